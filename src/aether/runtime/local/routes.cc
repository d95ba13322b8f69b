// The local runtime's router: resolves the app from Host or path and proxies the request.
#include "aether/runtime/local/routes.h"

#include "aether/http/envelope.h"
#include "aether/http/proxy.h"

namespace aether::local {
namespace {

// "web.localhost:7080" → "web"; "" when the host is not under .localhost.
std::string AppFromHost(std::string_view host) {
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  constexpr std::string_view kSuffix = ".localhost";
  if (host.size() <= kSuffix.size() || !host.ends_with(kSuffix)) return "";
  host.remove_suffix(kSuffix.size());
  if (auto dot = host.rfind('.'); dot != std::string_view::npos) host = host.substr(dot + 1);
  return std::string(host);
}

// "/apps/web/x?y" → app "web", target "/x?y".
bool AppFromPath(const http::Request& req, std::string* app, std::string* target) {
  constexpr std::string_view kPrefix = "/apps/";
  std::string_view t = req.target;
  if (!t.starts_with(kPrefix)) return false;
  t.remove_prefix(kPrefix.size());
  size_t end = t.find_first_of("/?");
  *app = std::string(t.substr(0, end));
  std::string rest = end == std::string_view::npos ? "" : std::string(t.substr(end));
  if (rest.empty() || rest.front() == '?') rest.insert(rest.begin(), '/');
  *target = rest;
  return !app->empty();
}

}  // namespace

void RouteTable::Set(const std::string& app, std::vector<BackendPtr> backends) {
  std::lock_guard lock(mu_);
  routes_[app] = std::move(backends);
}

void RouteTable::Remove(const std::string& app) {
  std::lock_guard lock(mu_);
  routes_.erase(app);
}

BackendPtr RouteTable::Pick(const std::string& app) {
  std::lock_guard lock(mu_);
  auto it = routes_.find(app);
  if (it == routes_.end() || it->second.empty()) return nullptr;
  BackendPtr b = it->second[next_++ % it->second.size()];
  b->inflight++;
  return b;
}

http::Response RouteRequest(RouteTable& routes, http::Request& req) {
  std::string app = AppFromHost(req.Header("Host"));
  http::Request fwd = req;
  if (app.empty() && !AppFromPath(req, &app, &fwd.target)) {
    return http::ErrorEnvelope(
        404, "not_found",
        "no app named by this request: use http://<app>.localhost:<port>/ or "
        "/apps/<app>/");
  }
  // One retry: a backend retired between Pick and connect is replaced by the new route.
  for (int attempt = 0; attempt < 2; ++attempt) {
    BackendPtr b = routes.Pick(app);
    if (!b)
      return http::ErrorEnvelope(503, "unavailable", "app '" + app + "' has no running release");
    auto res = http::Forward(fwd, "127.0.0.1", b->port, std::chrono::seconds(60));
    b->inflight--;
    if (res.ok()) return std::move(res).value();
    if (res.status().code() != ErrorCode::kUnavailable || attempt == 1) {
      return http::ErrorEnvelope(502, "unavailable",
                                 "app '" + app + "': " + res.status().message());
    }
  }
  return http::ErrorEnvelope(502, "unavailable", "app '" + app + "' did not answer");
}

}  // namespace aether::local
