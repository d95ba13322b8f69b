// Releases, rollback, config vars and scale: /apps/{app}/releases, /rollback, /config, /scale.
#include <algorithm>

#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/core/names.h"
#include "aether/wire/wire.h"

namespace aether::api {
namespace {

constexpr const char* kMasked = "********";

// {"NAME": "value" | null, …}
Result<ConfigChanges> ParseConfigChanges(std::string_view body) {
  AETHER_ASSIGN_OR_RETURN(nlohmann::json obj, ParseObject(body));
  ConfigChanges changes;
  for (const auto& [name, value] : obj.items()) {
    if (value.is_null()) {
      changes[name] = std::nullopt;
    } else if (value.is_string()) {
      changes[name] = value.get<std::string>();
    } else {
      return InvalidArgument("config var " + name + " must be a string, or null to unset it");
    }
  }
  return changes;
}

http::Response Accepted(const Result<Deployment>& release) {
  if (!release.ok()) return ErrorResponse(release.status());
  return JsonResponse(202, wire::DeploymentJson(*release));
}

}  // namespace

void RegisterReleaseRoutes(Api& api) {
  auto& s = api.services();
  api.Route("GET", "/apps/{app}/releases", Access::kAdmin, [&s](http::Request& req) {
    auto page = PageFrom(req);
    if (!page.ok()) return ErrorResponse(page.status());
    auto list = s.releases.List(req.Param("app"), *page);
    if (!list.ok()) return ErrorResponse(list.status());
    auto arr = nlohmann::json::array();
    for (const auto& d : list->items) arr.push_back(wire::DeploymentJson(d));
    return JsonResponse(200, PageJson("releases", std::move(arr), list->next));
  });
  api.Route("GET", "/apps/{app}/releases/{version}", Access::kAdmin, [&s](http::Request& req) {
    auto version = ParseReleaseVersion(req.Param("version"));
    if (!version.ok()) return ErrorResponse(version.status());
    auto release = s.releases.Get(req.Param("app"), *version);
    if (!release.ok()) return ErrorResponse(release.status());
    return JsonResponse(200, wire::DeploymentJson(*release));
  });
  api.Route("POST", "/apps/{app}/rollback", Access::kAdmin, [&s](http::Request& req) {
    std::optional<long long> version;
    if (!req.body.empty()) {
      auto body = ParseObject(req.body);
      if (!body.ok()) return ErrorResponse(body.status());
      if (auto it = body->find("version"); it != body->end() && !it->is_null()) {
        std::string text = it->is_number_integer() ? std::to_string(it->get<long long>())
                           : it->is_string()       ? it->get<std::string>()
                                                   : "";
        auto v = ParseReleaseVersion(text);
        if (!v.ok()) return ErrorResponse(v.status());
        version = *v;
      }
    }
    return Accepted(s.releases.Rollback(req.Param("app"), version));
  });
  api.Route("GET", "/apps/{app}/config", Access::kAdmin, [&s](http::Request& req) {
    bool reveal = req.Query("reveal").value_or("") == "true";
    auto config = s.releases.Config(req.Param("app"));
    if (!config.ok()) return ErrorResponse(config.status());
    auto out = nlohmann::json::object();
    for (const auto& [name, value] : *config) out[name] = reveal ? value : kMasked;
    return JsonResponse(200, {{"config", out}});
  });
  api.Route("PATCH", "/apps/{app}/config", Access::kAdmin, [&s](http::Request& req) {
    auto changes = ParseConfigChanges(req.body);
    if (!changes.ok()) return ErrorResponse(changes.status());
    return Accepted(s.releases.SetConfig(req.Param("app"), *changes));
  });
  api.Route("POST", "/apps/{app}/scale", Access::kAdmin, [&s](http::Request& req) {
    auto body = ParseObject(req.body);
    if (!body.ok()) return ErrorResponse(body.status());
    auto it = body->find("instances");
    if (it == body->end() || !it->is_number_integer()) {
      return ErrorResponse(InvalidArgument("missing integer field 'instances'"));
    }
    // The service checks the range; clamping keeps a huge number out of range, not wrapped.
    long long n = std::clamp<long long>(it->get<long long>(), 0, kMaxInstances + 1);
    return Accepted(s.releases.Scale(req.Param("app"), static_cast<int>(n)));
  });
}

}  // namespace aether::api
