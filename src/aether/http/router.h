// Router: maps (method, path pattern) to handlers; patterns use "{name}" segments
// ("/apps/{app}/deployments"). Built once at start-up, then read-only: safe to Dispatch from
// many threads.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "aether/http/types.h"

namespace aether::http {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  // `on_error(status, code, message)` builds the error responses the router itself produces
  // (404 no such route, 405 method not allowed), so they share the API's error envelope.
  using ErrorResponder = std::function<Response(int, std::string_view, std::string_view)>;
  explicit Router(ErrorResponder on_error);

  void Add(std::string method, const std::string& pattern, Handler handler);
  // Finds the route, fills req.params and req.route and calls the handler. HEAD falls back to
  // GET routes.
  Response Dispatch(Request& req) const;
  // The table as registered: (method, pattern) pairs in registration order, e.g.
  // ("GET", "/apps/{app}"); for documentation checks and metrics labels.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;                // as registered
    std::vector<std::string> segments;  // "{app}" marks a capture
    Handler handler;
  };
  ErrorResponder on_error_;
  std::vector<Route> routes_;
};

}  // namespace aether::http
