// /deployments: create (async rollout), get, its events, list per app.
#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
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
    std::map<std::string, std::string> env;
    if (auto it = body->find("env"); it != body->end() && it->is_object()) {
      for (const auto& [k, v] : it->items()) {
        if (v.is_string()) env[k] = v.get<std::string>();
      }
    }
    auto d = s.deploys.Create(*app, *artifact, env);
    if (!d.ok()) return ErrorResponse(d.status());
    return JsonResponse(202, wire::DeploymentJson(*d));
  });
  api.Route("GET", "/deployments/{id}", Access::kAdmin, [&s](http::Request& req) {
    auto d = s.deploys.Get(req.Param("id"));
    if (!d.ok()) return ErrorResponse(d.status());
    return JsonResponse(200, wire::DeploymentJson(*d));
  });
  api.Route("GET", "/deployments/{id}/events", Access::kAdmin, [&s](http::Request& req) {
    auto events = s.deploys.Events(req.Param("id"));
    if (!events.ok()) return ErrorResponse(events.status());
    auto arr = nlohmann::json::array();
    for (const auto& e : *events) {
      arr.push_back({{"seq", e.seq}, {"time", e.time}, {"type", e.type}, {"message", e.message}});
    }
    return JsonResponse(200, {{"events", arr}});
  });
  api.Route("GET", "/apps/{app}/deployments", Access::kAdmin, [&s](http::Request& req) {
    auto list = s.deploys.List(req.Param("app"));
    if (!list.ok()) return ErrorResponse(list.status());
    auto arr = nlohmann::json::array();
    for (const auto& d : *list) arr.push_back(wire::DeploymentJson(d));
    return JsonResponse(200, {{"deployments", arr}});
  });
}

}  // namespace aether::api
