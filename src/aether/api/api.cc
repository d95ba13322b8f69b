// Route table with per-route access checks.
#include "aether/api/api.h"

#include "aether/api/errors.h"

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
}

void Api::Route(std::string method, const std::string& pattern, Access access,
                http::Handler handler) {
  router_.Add(
      std::move(method), pattern, [this, access, handler = std::move(handler)](http::Request& req) {
        if (access != Access::kPublic) {
          auto who = s_.auth.Authenticate(req.Header("Authorization"));
          if (!who.ok()) return ErrorResponse(who.status());
          if (access == Access::kAdmin && who->role != "admin") {
            return ErrorResponse({ErrorCode::kPermissionDenied,
                                  "token '" + who->name + "' (" + who->role + ") may not do this"});
          }
        }
        return handler(req);
      });
}

http::Response Api::Handle(http::Request& req) const { return router_.Dispatch(req); }

}  // namespace aether::api
