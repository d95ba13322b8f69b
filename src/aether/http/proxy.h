// Forwards one request to an upstream HTTP server on the same machine (the local runtime's
// router uses it). Blocking; safe to call from many threads at once.
#pragma once

#include <chrono>
#include <string>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::http {

// Sends `req` (method, target, headers minus hop-by-hop ones, body) to host:port and returns
// the upstream's response. Host is kept; X-Forwarded-For gets req.remote_addr appended,
// X-Forwarded-Host is the original Host, X-Forwarded-Proto defaults to "http". `timeout`
// bounds the whole exchange (0: none). kUnavailable when the connection fails or the answer
// is not HTTP, kTimeout on timeout, kPayloadTooLarge for a response body over 256 MiB.
// Repeated Set-Cookie response headers are joined with '\n' (see Headers).
Result<Response> Forward(const Request& req, const std::string& host, int port,
                         std::chrono::milliseconds timeout);

// Whether an app instance is ready: GET `health_path` answers 2xx/3xx, or, without a health
// path, "/" gets any HTTP answer. The local runtime and `aether-agent probe` (the Kubernetes
// exec probe) both use it, so both runtimes judge readiness alike.
bool ProbeReady(const std::string& host, int port, const std::string& health_path,
                std::chrono::milliseconds timeout);

}  // namespace aether::http
