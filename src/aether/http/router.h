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
  // GET routes. A handler that throws is answered on_error(500, "internal", "internal error
  // (ref err_…)"); the exception text is logged to stderr under that reference, never sent.
  Response Dispatch(Request& req) const;
  // The methods some route serves `path` with (HEAD where GET is), sorted; empty for none.
  std::vector<std::string> MethodsFor(std::string_view path) const;
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
  // Called from a catch block: logs the exception in flight and builds the generic 500.
  Response HandlerFailed(const Request& req) const;

  ErrorResponder on_error_;
  std::vector<Route> routes_;
};

}  // namespace aether::http
