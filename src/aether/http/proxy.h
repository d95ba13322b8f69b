// Forwards one request to an upstream HTTP server on the same machine (the local runtime's
// router uses it). Blocking; safe to call from many threads at once.
#pragma once

#include <chrono>
#include <string>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::http {

// Sends `req` (method, target, headers minus hop-by-hop ones, body) to host:port and returns
// the upstream's response. kUnavailable when the connection fails, kTimeout on timeout.
Result<Response> Forward(const Request& req, const std::string& host, int port,
                         std::chrono::milliseconds timeout);

}  // namespace aether::http
