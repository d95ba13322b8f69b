// Route table with per-route access checks.
#include "aether/api/api.h"

#include <chrono>
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
}

namespace {

// Runs `handler` under the request's Idempotency-Key, if it has one: the first answer is kept
// (per token) and replayed to retries of the same request.
http::Response WithIdempotency(IdempotencyService& idempotency, const Principal& who,
                               http::Request& req, const http::Handler& handler) {
  std::string key(req.Header("Idempotency-Key"));
  if (key.empty()) return handler(req);
  std::string hash = crypto::Sha256Hex(req.method + " " + req.path + "\n" + req.body);
  auto claim = idempotency.Begin(who.token_id, key, hash);
  if (!claim.ok()) return ErrorResponse(claim.status());
  if (*claim) {
    auto replay = http::Response::Json((*claim)->status, (*claim)->body);
    replay.headers["Idempotent-Replayed"] = "true";
    return replay;
  }
  http::Response res = handler(req);
  idempotency.Finish(who.token_id, key, {res.status, res.body});
  return res;
}

}  // namespace

void Api::Route(std::string method, const std::string& pattern, Access access,
                http::Handler handler) {
  bool mutating = method == "POST" || method == "PATCH";
  router_.Add(
      std::move(method), pattern,
      [this, access, mutating, handler = std::move(handler)](http::Request& req) {
        if (access == Access::kPublic) return handler(req);
        auto who = s_.auth.Authenticate(req.Header("Authorization"));
        if (!who.ok()) return ErrorResponse(who.status());
        const bool allowed = who->role == "admin" || (access == Access::kPull) ||
                             (access == Access::kRead && who->role == "read");
        if (!allowed) {
          return ErrorResponse({ErrorCode::kPermissionDenied,
                                "token '" + who->name + "' (" + who->role + ") may not do this"});
        }
        if (!mutating) return handler(req);
        return WithIdempotency(s_.idempotency, *who, req, handler);
      });
}

http::Response Api::Handle(http::Request& req) const {
  const auto start = std::chrono::steady_clock::now();
  req.route.clear();
  http::Response res = router_.Dispatch(req);
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
