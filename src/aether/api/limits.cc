// BodyLimitFor: the upload routes by method and path prefix.
#include "aether/api/limits.h"

namespace aether::api {

size_t BodyLimitFor(const http::Request& head, const BodyLimits& limits) {
  // The only routes whose body is raw bytes: PUT /blobs/{digest} and
  // PUT /blobs/uploads/{upload_id}/{part} (artifact_routes.cc). Any other PUT under /blobs/ is
  // an unknown route and gets a 404 from the router, whatever its size.
  if (head.method == "PUT" && head.path.starts_with("/blobs/")) return limits.upload;
  return limits.json;
}

}  // namespace aether::api
