// GET /healthz (the process is up) and GET /readyz (its stores answer).
#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/api/json.h"

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
}

}  // namespace aether::api
