// HTTP/1.1 server facade. The implementation (http/beast/) runs an acceptor thread and one
// thread per connection (keep-alive); `handler` is called concurrently from those threads.
// Owned by the composition root; Stop() (or the destructor) closes the listener and every
// open connection and joins all threads.
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
};

class Server {
 public:
  virtual ~Server() = default;
  virtual int port() const = 0;
  // Idempotent; must not be called from inside a handler.
  virtual void Stop() = 0;
};

// Binds and starts serving; returns kUnavailable when the address cannot be bound.
Result<std::unique_ptr<Server>> StartServer(const ServerOptions& options,
                                            std::function<Response(Request&)> handler);

}  // namespace aether::http
