// Route table with per-route access checks: token scope, the app a request acts on, rate
// limits on mutating routes, Idempotency-Key replay and the audit trail.
#include "aether/api/api.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "aether/api/errors.h"
#include "aether/crypto/crypto.h"

namespace aether::api {

Api::Api(Services services)
    : s_(std::move(services)), router_([](int status, std::string_view code, std::string_view msg) {
        return ErrorResponse(status, code, msg);
      }) {
  RegisterHealthRoutes(*this);
  RegisterAppRoutes(*this);
  RegisterArtifactRoutes(*this);
  RegisterDeploymentRoutes(*this);
  RegisterKeyRoutes(*this);
  RegisterReleaseRoutes(*this);
  RegisterLogRoutes(*this);
  RegisterTokenRoutes(*this);
}

namespace {

bool Mutating(std::string_view method) {
  return method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE";
}

Scope ScopeFor(Access access) {
  switch (access) {
    case Access::kPublic:
    case Access::kAny:
      return Scope::kAny;
    case Access::kPull:
      return Scope::kPull;
    case Access::kRead:
      return Scope::kRead;
    case Access::kDeploy:
      return Scope::kDeploy;
    case Access::kAdmin:
      return Scope::kAdmin;
  }
  return Scope::kAdmin;
}

// Runs `handler` under the request's Idempotency-Key, if it has one: the first answer is kept
// (per token) and replayed to retries of the same request.
http::Response WithIdempotency(IdempotencyService& idempotency, const Principal& who,
                               http::Request& req, const AuthedHandler& handler) {
  std::string key(req.Header("Idempotency-Key"));
  if (key.empty()) return handler(req, who);
  std::string hash = crypto::Sha256Hex(req.method + " " + req.path + "\n" + req.body);
  auto claim = idempotency.Begin(who.token_id, key, hash);
  if (!claim.ok()) return ErrorResponse(claim.status());
  if (*claim) {
    auto replay = http::Response::Json((*claim)->status, (*claim)->body);
    replay.headers["Idempotent-Replayed"] = "true";
    return replay;
  }
  http::Response res = handler(req, who);
  idempotency.Finish(who.token_id, key, {res.status, res.body});
  return res;
}

}  // namespace

void Api::Route(std::string method, const std::string& pattern, Access access,
                http::Handler handler, AppFrom app) {
  Route(std::move(method), pattern, access,
        AuthedHandler([handler = std::move(handler)](http::Request& req, const Principal&) {
          return handler(req);
        }),
        app);
}

void Api::Route(std::string method, const std::string& pattern, Access access,
                AuthedHandler handler, AppFrom app) {
  const bool app_route = app != AppFrom::kAuto || pattern.find("{app}") != std::string::npos;
  access_.emplace_back(method, pattern, access);
  router_.Add(std::move(method), pattern,
              [this, guard = Guard{access, app, app_route}, handler = std::move(handler)](
                  http::Request& req) { return Guarded(req, guard, handler); });
}

Access Api::AccessOf(std::string_view method, std::string_view pattern) const {
  for (const auto& [m, p, access] : access_) {
    if (m == method && p == pattern) return access;
  }
  return Access::kPublic;
}

Result<std::string> Api::AppOf(const http::Request& req, AppFrom from) const {
  auto from_body = [&](const char* field) -> std::string {
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object()) return "";
    auto it = body.find(field);
    return it != body.end() && it->is_string() ? it->get<std::string>() : "";
  };
  switch (from) {
    case AppFrom::kAuto:
      return req.Param("app");
    case AppFrom::kBodyName:
      return from_body("name");
    case AppFrom::kBodyApp:
      return from_body("app");
    case AppFrom::kDeployment: {
      auto d = s_.store.GetDeployment(req.Param("id"));
      if (d.ok()) return d->app;
      if (d.status().code() == ErrorCode::kNotFound) return std::string();
      return d.status();
    }
    case AppFrom::kArtifact: {
      auto a = s_.store.FindArtifact(req.Param("digest"));
      if (a.ok()) return a->app;
      if (a.status().code() == ErrorCode::kNotFound) return std::string();
      return a.status();
    }
  }
  return std::string();
}

http::Response Api::Guarded(http::Request& req, const Guard& guard,
                            const AuthedHandler& handler) const {
  if (guard.access == Access::kPublic) return handler(req, Principal{});
  auto who = s_.auth.Authenticate(req.Header("Authorization"));
  if (!who.ok()) {
    if (who.status().code() == ErrorCode::kUnauthenticated) s_.metrics.CountAuthFailure(401);
    return ErrorResponse(who.status());
  }
  const bool mutating = Mutating(req.method);
  std::string app;
  auto audit = [&](const http::Response& res) {
    if (!mutating) return;
    s_.audit.Record({0, "", who->token_id, who->name, req.method + " " + req.route, app, res.status,
                     req.remote_addr});
  };
  auto refuse = [&](const std::string& why) {
    s_.metrics.CountAuthFailure(403);
    http::Response res = ErrorResponse({ErrorCode::kPermissionDenied, why});
    audit(res);
    return res;
  };
  if (!who->Grants(ScopeFor(guard.access))) {
    return refuse("token '" + who->name + "' (" + who->role + ") may not do this");
  }
  const bool restricted = !who->apps.empty();
  app = req.Param("app");
  if (guard.app != AppFrom::kAuto && (restricted || mutating)) {
    auto found = AppOf(req, guard.app);
    if (found.ok()) {
      app = *found;
    } else if (restricted) {
      return ErrorResponse(found.status());
    }
  }
  if (restricted && !guard.app_route && guard.access == Access::kAdmin) {
    return refuse("token '" + who->name + "' is limited to some apps and may not do this");
  }
  // The same answer whether or not the app exists: a token learns nothing about apps outside
  // its list (nor about a request whose app it cannot name).
  if (restricted && guard.app_route && !who->MaySee(app)) {
    return refuse("token '" + who->name + "' may not act on this app");
  }
  if (!mutating) return handler(req, *who);
  if (s_.rate_limiter != nullptr) {
    if (auto retry = s_.rate_limiter->Take(who->token_id)) {
      http::Response res = RateLimitedResponse(*retry);
      audit(res);
      return res;
    }
  }
  http::Response res = WithIdempotency(s_.idempotency, *who, req, handler);
  if (app.empty()) app = req.Param("id");
  audit(res);
  return res;
}

http::Response Api::Handle(http::Request& req) const {
  const auto start = std::chrono::steady_clock::now();
  req.route.clear();
  std::optional<http::Response> preflight;
  if (s_.cors.enabled()) preflight = Preflight(s_.cors, req, router_.MethodsFor(req.path));
  http::Response res = preflight ? std::move(*preflight) : router_.Dispatch(req);
  if (!preflight) DecorateCors(s_.cors, req, res);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  if (req.route.empty()) {  // no route: keep arbitrary methods out of the label set too
    static constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                    "PATCH", "DELETE", "OPTIONS"};
    bool known = false;
    for (std::string_view m : kMethods) known = known || req.method == m;
    s_.metrics.ObserveRequest(known ? req.method : "other", "unmatched", res.status, took.count());
  } else {
    s_.metrics.ObserveRequest(req.method, req.route, res.status, took.count());
  }
  return res;
}

}  // namespace aether::api
