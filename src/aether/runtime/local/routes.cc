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

// "/apps/web/x?y" → app "web", rest "/x?y"; false when the target has no such prefix.
bool AppFromPath(std::string_view target, std::string* app, std::string* rest) {
  constexpr std::string_view kPrefix = "/apps/";
  if (!target.starts_with(kPrefix)) return false;
  target.remove_prefix(kPrefix.size());
  size_t end = target.find_first_of("/?");
  *app = std::string(target.substr(0, end));
  *rest = end == std::string_view::npos ? "" : std::string(target.substr(end));
  if (rest->empty() || rest->front() == '?') rest->insert(rest->begin(), '/');
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
  if (std::string rest; app.empty() && AppFromPath(req.target, &app, &rest)) req.target = rest;
  if (app.empty()) {
    return http::ErrorEnvelope(404, "not_found",
                               "no app named by this request: use http://<app>.localhost:<port>/ "
                               "or /apps/<app>/");
  }
  // One retry: a backend retired between Pick and connect is replaced by the new route.
  for (int attempt = 0;; ++attempt) {
    BackendPtr b = routes.Pick(app);
    if (!b) {
      return http::ErrorEnvelope(503, "service_unavailable",
                                 "app '" + app + "' has no running release");
    }
    auto res = http::Forward(req, "127.0.0.1", b->port, std::chrono::seconds(60));
    b->inflight--;
    if (res.ok()) return std::move(res).value();
    if (res.status().code() != ErrorCode::kUnavailable || attempt == 1) {
      return http::ErrorEnvelope(502, "service_unavailable",
                                 "app '" + app + "': " + res.status().message());
    }
  }
}

}  // namespace aether::local
