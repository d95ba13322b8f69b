// GET /healthz (the process is up), GET /readyz (its stores answer), GET /metrics (Prometheus)
// and GET /openapi.json (this API's description). All public.
#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"
#include "aether/api/openapi.h"
#include "aether/core/log.h"

namespace aether::api {

void RegisterHealthRoutes(Api& api) {
  api.Route("GET", "/healthz", Access::kPublic, [](http::Request&) {
    return JsonResponse(200, {{"status", "ok"}});
  });
  api.Route("GET", "/readyz", Access::kPublic, [&s = api.services()](http::Request&) {
    for (const Status& st : {s.store.Ping(), s.blobs.Ping()}) {
      if (!st.ok()) return ErrorResponse({ErrorCode::kUnavailable, st.message()});
    }
    return JsonResponse(200, {{"status", "ready"}});
  });
  api.Route("GET", "/metrics", Access::kPublic, [&s = api.services()](http::Request&) {
    auto stats = s.store.Stats();  // a store that does not answer must not fail the scrape
    if (!stats.ok()) LogLine("metrics: store stats: " + stats.status().ToString());
    return http::Response::Text(200, s.metrics.Render(stats.ok() ? &*stats : nullptr),
                                std::string(Metrics::kContentType));
  });
  api.Route("GET", "/openapi.json", Access::kPublic, [](http::Request&) {
    return http::Response::Text(200, std::string(OpenApiDocument()), "application/json");
  });
}

}  // namespace aether::api
