// HTTP/1.1 server facade. The implementation (http/beast/) runs an acceptor thread and one
// thread per connection (keep-alive); `handler` is called concurrently from those threads.
// Owned by the composition root; Stop() (or the destructor) shuts down gracefully: the listener
// closes, idle keep-alive connections close, in-flight requests and streams may finish until
// ServerOptions::drain_timeout, then what is left is closed and all threads are joined.
//
// Limits (each refusal is the JSON error envelope, then the connection closes):
//   - header_limit: a request line plus headers larger than this → 431
//     request_header_fields_too_large.
//   - body_limit_for / body_limit: a body larger than the request's limit → 413
//     payload_too_large; a Content-Length over it is refused before any of the body is read
//     (and before 100 Continue).
//   - request_timeout: the request line and headers must arrive within it, counted from the
//     request's first byte, however slowly they trickle in (slowloris). The body then has
//     request_timeout plus one second per min_body_rate bytes received: after a grace of
//     request_timeout it must average at least min_body_rate bytes/s, so a big upload that
//     keeps moving is never cut off while a stalled or trickling one is. Out of time → 408
//     request_timeout. io_timeout still applies to every read and write (a read without
//     progress for that long also ends the request with 408).
//   - io_timeout between requests is the keep-alive idle timeout: the connection closes
//     silently.
//
// TLS: with tls_cert_file and tls_key_file (PEM) every connection is TLS 1.2 or 1.3 (ECDHE with
// AEAD ciphers for 1.2, OpenSSL's default 1.3 suites; no compression, no renegotiation). The
// handshake must finish within request_timeout. WebSocket upgrades work the same over TLS.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                               // 0 picks a free port; see Server::port()
  size_t body_limit = 1024ull * 1024 * 1024;  // bytes; larger bodies get 413
  std::string name = "aetherd";               // for log lines
  // The body limit of one request, decided from its head (method, target, path, query and
  // headers; no body yet). Unset: body_limit for every request.
  std::function<size_t(const Request& head)> body_limit_for = nullptr;
  size_t header_limit = size_t{16} * 1024;  // request line + headers, bytes; larger gets 431
  // See "Limits" above: the header's deadline, and the body's grace period.
  std::chrono::milliseconds request_timeout{30000};
  size_t min_body_rate = size_t{64} * 1024;  // bytes/s a body must average after the grace
  // PEM certificate (chain) and private key; both set → HTTPS, both empty → plain HTTP.
  std::string tls_cert_file = {};
  std::string tls_key_file = {};
  // A read or write on a connection that makes no progress for this long closes it (this is
  // also the keep-alive idle timeout).
  std::chrono::milliseconds io_timeout{60000};
  // How long Stop() lets in-flight requests and streaming responses finish. Past it, every
  // stream's ChunkWriter returns false and the remaining connections are shut down.
  std::chrono::milliseconds drain_timeout{10000};
};

class Server {
 public:
  virtual ~Server() = default;
  virtual int port() const = 0;
  // Graceful shutdown (see above); returns once every connection thread has ended, which is
  // within drain_timeout unless a non-streaming handler ignores it and keeps running.
  // Idempotent; must not be called from inside a handler.
  virtual void Stop() = 0;
};

// Binds and starts serving; returns kUnavailable when the address cannot be bound, and
// kInvalidArgument for only one of tls_cert_file/tls_key_file, or a TLS file that is missing,
// unreadable, not PEM, or a key that does not match the certificate.
Result<std::unique_ptr<Server>> StartServer(const ServerOptions& options,
                                            std::function<Response(Request&)> handler);

}  // namespace aether::http
