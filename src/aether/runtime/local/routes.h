// RouteTable: which local ports serve each app right now, with in-flight request counts so a
// retired release can be drained before it is stopped. RouteRequest is the router's handler:
// <app>.localhost Host names, or a /apps/<app>/ path prefix. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aether/http/types.h"

namespace aether::local {

struct Backend {
  explicit Backend(int p) : port(p) {}
  const int port;
  std::atomic<int> inflight{0};
};
using BackendPtr = std::shared_ptr<Backend>;

class RouteTable {
 public:
  void Set(const std::string& app, std::vector<BackendPtr> backends);
  void Remove(const std::string& app);
  // Round-robin over the app's backends, counting the request as in flight (the caller
  // decrements `inflight` when done); nullptr if none.
  BackendPtr Pick(const std::string& app);

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<BackendPtr>> routes_;
  std::atomic<unsigned> next_{0};
};

// Proxies `req` to the app it names; 404 (no app named) / 503 (nothing running) envelopes.
http::Response RouteRequest(RouteTable& routes, http::Request& req);

}  // namespace aether::local
