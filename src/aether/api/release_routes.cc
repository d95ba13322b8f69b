// Releases, rollback, config vars and scale: /apps/{app}/releases, /rollback, /config, /scale.
#include "aether/api/api.h"
#include "aether/api/bodies.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/core/names.h"
#include "aether/wire/wire.h"

namespace aether::api {
namespace {

constexpr const char* kMasked = "********";

http::Response Accepted(const Result<Deployment>& release) {
  if (!release.ok()) return ErrorResponse(release.status());
  return JsonResponse(202, wire::DeploymentJson(*release));
}

}  // namespace

void RegisterReleaseRoutes(Api& api) {
  auto& s = api.services();
  api.Route("GET", "/apps/{app}/releases", Access::kRead, [&s](http::Request& req) {
    auto page = PageFrom(req);
    if (!page.ok()) return ErrorResponse(page.status());
    auto list = s.releases.List(req.Param("app"), *page);
    if (!list.ok()) return ErrorResponse(list.status());
    auto arr = nlohmann::json::array();
    for (const auto& d : list->items) arr.push_back(wire::DeploymentJson(d));
    return JsonResponse(200, PageJson("releases", std::move(arr), list->next));
  });
  api.Route("GET", "/apps/{app}/releases/{version}", Access::kRead, [&s](http::Request& req) {
    auto version = ParseReleaseVersion(req.Param("version"));
    if (!version.ok()) return ErrorResponse(version.status());
    auto release = s.releases.Get(req.Param("app"), *version);
    if (!release.ok()) return ErrorResponse(release.status());
    return JsonResponse(200, wire::DeploymentJson(*release));
  });
  api.Route("POST", "/apps/{app}/rollback", Access::kDeploy, [&s](http::Request& req) {
    auto version = DecodeRollback(req.body);
    if (!version.ok()) return ErrorResponse(version.status());
    return Accepted(s.releases.Rollback(req.Param("app"), *version));
  });
  api.Route("GET", "/apps/{app}/config", Access::kDeploy, [&s](http::Request& req) {
    bool reveal = req.Query("reveal").value_or("") == "true";
    auto config = s.releases.Config(req.Param("app"));
    if (!config.ok()) return ErrorResponse(config.status());
    auto out = nlohmann::json::object();
    for (const auto& [name, value] : *config) out[name] = reveal ? value : kMasked;
    return JsonResponse(200, {{"config", out}});
  });
  api.Route("PATCH", "/apps/{app}/config", Access::kDeploy, [&s](http::Request& req) {
    auto changes = DecodeConfigChanges(req.body);
    if (!changes.ok()) return ErrorResponse(changes.status());
    return Accepted(s.releases.SetConfig(req.Param("app"), *changes));
  });
  api.Route("POST", "/apps/{app}/scale", Access::kDeploy, [&s](http::Request& req) {
    auto instances = DecodeScale(req.body);
    if (!instances.ok()) return ErrorResponse(instances.status());
    return Accepted(s.releases.Scale(req.Param("app"), *instances));
  });
}

}  // namespace aether::api
