// /tokens (create, list, show, revoke, rotate), /whoami and /audit.
#include <chrono>

#include "aether/api/api.h"
#include "aether/api/bodies.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/paging.h"
#include "aether/wire/wire.h"

namespace aether::api {
namespace {

constexpr long long kDefaultGraceSeconds = 3600;

}  // namespace

void RegisterTokenRoutes(Api& api) {
  auto& s = api.services();
  api.Route("POST", "/tokens", Access::kAdmin, [&s](http::Request& req) {
    auto spec = DecodeTokenSpec(req.body);
    if (!spec.ok()) return ErrorResponse(spec.status());
    auto issued = s.auth.Create(*spec);
    if (!issued.ok()) return ErrorResponse(issued.status());
    req.params["id"] = issued->token.id;  // the audit trail's target
    return JsonResponse(201, wire::IssuedTokenJson(*issued));
  });
  api.Route("GET", "/tokens", Access::kAdmin, [&s](http::Request&) {
    auto tokens = s.auth.List();
    if (!tokens.ok()) return ErrorResponse(tokens.status());
    auto list = nlohmann::json::array();
    for (const TokenRecord& t : *tokens) list.push_back(wire::TokenJson(t));
    return JsonResponse(200, {{"tokens", std::move(list)}});
  });
  api.Route("GET", "/tokens/{id}", Access::kAdmin, [&s](http::Request& req) {
    auto token = s.auth.Get(req.Param("id"));
    if (!token.ok()) return ErrorResponse(token.status());
    return JsonResponse(200, wire::TokenJson(*token));
  });
  api.Route("DELETE", "/tokens/{id}", Access::kAdmin, [&s](http::Request& req) {
    auto token = s.auth.Revoke(req.Param("id"));
    if (!token.ok()) return ErrorResponse(token.status());
    return JsonResponse(200, wire::TokenJson(*token));
  });
  api.Route("POST", "/tokens/{id}/rotate", Access::kAdmin, [&s](http::Request& req) {
    auto grace = DecodeGrace(req.body, kDefaultGraceSeconds);
    if (!grace.ok()) return ErrorResponse(grace.status());
    auto issued = s.auth.Rotate(req.Param("id"), std::chrono::seconds(*grace));
    if (!issued.ok()) return ErrorResponse(issued.status());
    return JsonResponse(200, wire::IssuedTokenJson(*issued));
  });
  api.Route("GET", "/whoami", Access::kAny, [&s](http::Request&, const Principal& who) {
    auto token = s.auth.Get(who.token_id);
    if (!token.ok()) return ErrorResponse(token.status());
    return JsonResponse(200, wire::TokenJson(*token));
  });
  api.Route("GET", "/audit", Access::kAdmin, [&s](http::Request& req) {
    auto page = PageFrom(req);
    if (!page.ok()) return ErrorResponse(page.status());
    auto events = s.audit.List(*page);
    if (!events.ok()) return ErrorResponse(events.status());
    auto list = nlohmann::json::array();
    for (const AuditEvent& e : events->items) list.push_back(wire::AuditJson(e));
    return JsonResponse(200, PageJson("events", std::move(list), events->next));
  });
}

}  // namespace aether::api
