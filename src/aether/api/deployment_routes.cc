// /deployments: create a release of an artifact (async rollout), get, its events, list per app.
#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/wire/wire.h"

namespace aether::api {

void RegisterDeploymentRoutes(Api& api) {
  auto& s = api.services();
  api.Route("POST", "/deployments", Access::kAdmin, [&s](http::Request& req) {
    auto body = ParseObject(req.body);
    if (!body.ok()) return ErrorResponse(body.status());
    auto app = RequiredString(*body, "app");
    auto artifact = RequiredString(*body, "artifact");
    if (!app.ok() || !artifact.ok())
      return ErrorResponse(!app.ok() ? app.status() : artifact.status());
    ConfigMap config;
    if (auto it = body->find("config"); it != body->end() && !it->is_null()) {
      if (!it->is_object()) return ErrorResponse(InvalidArgument("'config' must be an object"));
      for (const auto& [k, v] : it->items()) {
        if (!v.is_string())
          return ErrorResponse(InvalidArgument("config var " + k + " must be a string"));
        config[k] = v.get<std::string>();
      }
    }
    std::string strategy = "rolling";
    if (auto it = body->find("strategy"); it != body->end() && !it->is_null()) {
      if (!it->is_string()) return ErrorResponse(InvalidArgument("'strategy' must be a string"));
      strategy = it->get<std::string>();
    }
    auto d = s.releases.Deploy(*app, *artifact, config, strategy);
    if (!d.ok()) return ErrorResponse(d.status());
    return JsonResponse(202, wire::DeploymentJson(*d));
  });
  api.Route("GET", "/deployments/{id}", Access::kAdmin, [&s](http::Request& req) {
    auto d = s.deploys.Get(req.Param("id"));
    if (!d.ok()) return ErrorResponse(d.status());
    return JsonResponse(200, wire::DeploymentJson(*d));
  });
  api.Route("GET", "/deployments/{id}/events", Access::kAdmin, [&s](http::Request& req) {
    auto page = PageFrom(req);
    if (!page.ok()) return ErrorResponse(page.status());
    auto events = s.deploys.Events(req.Param("id"), *page);
    if (!events.ok()) return ErrorResponse(events.status());
    auto arr = nlohmann::json::array();
    for (const auto& e : events->items) {
      arr.push_back({{"seq", e.seq}, {"time", e.time}, {"type", e.type}, {"message", e.message}});
    }
    return JsonResponse(200, PageJson("events", std::move(arr), events->next));
  });
  api.Route("GET", "/apps/{app}/deployments", Access::kAdmin, [&s](http::Request& req) {
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
