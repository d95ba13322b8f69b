// Router: (method, "/a/{b}/c" pattern) → handler, with 404/405 answers built by the caller's
// ErrorResponder; a handler that throws is answered 500 with a reference, the detail logged.
// Immutable after start-up; Dispatch is safe from many threads.
#include "aether/http/router.h"

#include <exception>
#include <set>
#include <utility>

#include "aether/core/log.h"
#include "aether/core/names.h"

namespace aether::http {
namespace {

// "/apps/x/" → {"apps", "x"}; "/" → {}. A single trailing slash is ignored.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool IsCapture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Whether `segments` matches; on a match, `specificity` marks literal segments (which win
// over captures at the first position where two matching routes differ).
bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path,
             std::vector<bool>* specificity) {
  if (pattern.size() != path.size()) return false;
  specificity->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsCapture(pattern[i])) {
      if (path[i].empty()) return false;
      specificity->push_back(false);
    } else {
      if (pattern[i] != path[i]) return false;
      specificity->push_back(true);
    }
  }
  return true;
}

}  // namespace

Router::Router(ErrorResponder on_error) : on_error_(std::move(on_error)) {}

void Router::Add(std::string method, const std::string& pattern, Handler handler) {
  Route route;
  route.method = std::move(method);
  route.pattern = pattern;
  for (std::string_view s : SplitPath(pattern)) route.segments.emplace_back(s);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_) out.emplace_back(route.method, route.pattern);
  return out;
}

std::vector<std::string> Router::MethodsFor(std::string_view target_path) const {
  const std::vector<std::string_view> path = SplitPath(target_path);
  std::set<std::string> allowed;
  std::vector<bool> spec;
  for (const Route& route : routes_) {
    if (Matches(route.segments, path, &spec)) allowed.insert(route.method);
  }
  if (allowed.count("GET") != 0) allowed.insert("HEAD");
  return {allowed.begin(), allowed.end()};
}

Response Router::Dispatch(Request& req) const {
  const std::vector<std::string_view> path = SplitPath(req.path);
  std::set<std::string> allowed;
  const Route* best = nullptr;
  const Route* best_get = nullptr;  // for HEAD when no HEAD route matches
  std::vector<bool> best_spec, best_get_spec, spec;
  for (const Route& route : routes_) {
    if (!Matches(route.segments, path, &spec)) continue;
    allowed.insert(route.method);
    if (route.method == req.method) {
      if (best == nullptr || spec > best_spec) {
        best = &route;
        best_spec = spec;
      }
    } else if (req.method == "HEAD" && route.method == "GET") {
      if (best_get == nullptr || spec > best_get_spec) {
        best_get = &route;
        best_get_spec = spec;
      }
    }
  }
  if (best == nullptr) best = best_get;
  if (best == nullptr) {
    req.route.clear();
    if (allowed.empty()) {
      return on_error_(404, "not_found", "no route for " + req.method + " " + req.path);
    }
    if (allowed.count("GET") != 0) allowed.insert("HEAD");
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response res = on_error_(405, "method_not_allowed",
                             "method " + req.method + " not allowed for " + req.path);
    res.headers["Allow"] = allow;
    return res;
  }
  req.params.clear();
  req.route = best->pattern;
  for (size_t i = 0; i < best->segments.size(); ++i) {
    const std::string& seg = best->segments[i];
    if (IsCapture(seg)) req.params[seg.substr(1, seg.size() - 2)] = std::string(path[i]);
  }
  try {
    return best->handler(req);
  } catch (...) {
    return HandlerFailed(req);
  }
}

Response Router::HandlerFailed(const Request& req) const {
  // The exception text may name SQL or paths: it goes to the log, the client gets a reference.
  std::string what = "unknown exception";
  try {
    throw;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {  // NOLINT(bugprone-empty-catch): `what` already says so
  }
  const std::string ref = NewId("err");
  LogLine("router: " + ref + ": handler for " + req.method + " " + req.route + " threw: " + what);
  return on_error_(500, "internal", "internal error (ref " + ref + ")");
}

}  // namespace aether::http
