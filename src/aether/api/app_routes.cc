// /apps: create, list, get, delete.
#include "aether/api/api.h"
#include "aether/api/bodies.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/wire/wire.h"

namespace aether::api {

void RegisterAppRoutes(Api& api) {
  auto& s = api.services();
  api.Route(
      "POST", "/apps", Access::kDeploy,
      [&s](http::Request& req) {
        auto name = DecodeCreateApp(req.body);
        if (!name.ok()) return ErrorResponse(name.status());
        auto app = s.apps.Create(*name);
        if (!app.ok()) return ErrorResponse(app.status());
        return JsonResponse(201, wire::AppJson(*app, s.apps.UrlFor(app->name)));
      },
      AppFrom::kBodyName);
  // A token limited to some apps sees only those (pages may then hold fewer items).
  api.Route("GET", "/apps", Access::kRead, [&s](http::Request& req, const Principal& who) {
    auto page = PageFrom(req);
    if (!page.ok()) return ErrorResponse(page.status());
    auto apps = s.apps.List(*page);
    if (!apps.ok()) return ErrorResponse(apps.status());
    auto list = nlohmann::json::array();
    for (const auto& app : apps->items) {
      if (who.MaySee(app.name)) list.push_back(wire::AppJson(app, s.apps.UrlFor(app.name)));
    }
    return JsonResponse(200, PageJson("apps", std::move(list), apps->next));
  });
  api.Route("GET", "/apps/{app}", Access::kRead, [&s](http::Request& req) {
    auto app = s.apps.Get(req.Param("app"));
    if (!app.ok()) return ErrorResponse(app.status());
    return JsonResponse(200, wire::AppJson(*app, s.apps.UrlFor(app->name)));
  });
  api.Route("DELETE", "/apps/{app}", Access::kAdmin, [&s](http::Request& req) {
    Status st = s.apps.Delete(req.Param("app"));
    if (!st.ok()) return ErrorResponse(st);
    return JsonResponse(200, {{"deleted", req.Param("app")}});
  });
}

}  // namespace aether::api
