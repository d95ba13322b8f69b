// /apps/{app}/public-keys: register, list and deactivate the keys that sign an app's artifacts.
#include "aether/api/api.h"
#include "aether/api/bodies.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/wire/wire.h"

namespace aether::api {
void RegisterKeyRoutes(Api& api) {
  auto& s = api.services();
  api.Route("POST", "/apps/{app}/public-keys", Access::kAdmin, [&s](http::Request& req) {
    auto in = DecodeKey(req.body);
    if (!in.ok()) return ErrorResponse(in.status());
    auto key = s.keys.Register(req.Param("app"), in->public_key, in->name);
    if (!key.ok()) return ErrorResponse(key.status());
    return JsonResponse(201, wire::PublicKeyJson(*key));
  });
  api.Route("GET", "/apps/{app}/public-keys", Access::kPull, [&s](http::Request& req) {
    auto request = PageFrom(req);
    if (!request.ok()) return ErrorResponse(request.status());
    auto keys = s.keys.List(req.Param("app"));
    if (!keys.ok()) return ErrorResponse(keys.status());
    auto page = SlicePage(*keys, *request, [](const PublicKey& k) { return k.id; });
    if (!page.ok()) return ErrorResponse(page.status());
    auto items = nlohmann::json::array();
    for (const auto& k : page->items) items.push_back(wire::PublicKeyJson(k));
    return JsonResponse(200, PageJson("keys", std::move(items), page->next));
  });
  api.Route("DELETE", "/apps/{app}/public-keys/{id}", Access::kAdmin, [&s](http::Request& req) {
    auto key = s.keys.Deactivate(req.Param("app"), req.Param("id"));
    if (!key.ok()) return ErrorResponse(key.status());
    return JsonResponse(200, wire::PublicKeyJson(*key));
  });
}

}  // namespace aether::api
