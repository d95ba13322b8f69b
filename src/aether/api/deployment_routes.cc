// /deployments: create a release of an artifact (async rollout), get, its events, list per app.
#include "aether/api/api.h"
#include "aether/api/bodies.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/wire/wire.h"

namespace aether::api {

void RegisterDeploymentRoutes(Api& api) {
  auto& s = api.services();
  api.Route(
      "POST", "/deployments", Access::kDeploy,
      [&s](http::Request& req) {
        auto in = DecodeDeploy(req.body);
        if (!in.ok()) return ErrorResponse(in.status());
        auto d = s.releases.Deploy(in->app, in->artifact, in->config, in->strategy);
        if (!d.ok()) return ErrorResponse(d.status());
        return JsonResponse(202, wire::DeploymentJson(*d));
      },
      AppFrom::kBodyApp);
  api.Route(
      "GET", "/deployments/{id}", Access::kRead,
      [&s](http::Request& req) {
        auto d = s.deploys.Get(req.Param("id"));
        if (!d.ok()) return ErrorResponse(d.status());
        return JsonResponse(200, wire::DeploymentJson(*d));
      },
      AppFrom::kDeployment);
  api.Route(
      "GET", "/deployments/{id}/events", Access::kRead,
      [&s](http::Request& req) {
        auto page = PageFrom(req);
        if (!page.ok()) return ErrorResponse(page.status());
        auto events = s.deploys.Events(req.Param("id"), *page);
        if (!events.ok()) return ErrorResponse(events.status());
        auto arr = nlohmann::json::array();
        for (const auto& e : events->items) {
          arr.push_back(
              {{"seq", e.seq}, {"time", e.time}, {"type", e.type}, {"message", e.message}});
        }
        return JsonResponse(200, PageJson("events", std::move(arr), events->next));
      },
      AppFrom::kDeployment);
  api.Route("GET", "/apps/{app}/deployments", Access::kRead, [&s](http::Request& req) {
    auto page = PageFrom(req);
    if (!page.ok()) return ErrorResponse(page.status());
    auto list = s.deploys.List(req.Param("app"), *page);
    if (!list.ok()) return ErrorResponse(list.status());
    auto arr = nlohmann::json::array();
    for (const auto& d : list->items) arr.push_back(wire::DeploymentJson(d));
    return JsonResponse(200, PageJson("deployments", std::move(arr), list->next));
  });
}

}  // namespace aether::api
