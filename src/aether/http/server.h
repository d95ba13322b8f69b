// HTTP/1.1 server facade. The implementation (http/beast/) runs an acceptor thread and one
// thread per connection (keep-alive); `handler` is called concurrently from those threads.
// Owned by the composition root; Stop() (or the destructor) shuts down gracefully: the listener
// closes, idle keep-alive connections close, in-flight requests and streams may finish until
// ServerOptions::drain_timeout, then what is left is closed and all threads are joined.
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

// Binds and starts serving; returns kUnavailable when the address cannot be bound.
Result<std::unique_ptr<Server>> StartServer(const ServerOptions& options,
                                            std::function<Response(Request&)> handler);

}  // namespace aether::http
