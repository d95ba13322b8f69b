// The one place where error codes become HTTP statuses and the JSON error envelope
// {"code": ..., "message": ...}. Stateless; thread-safe.
#pragma once

#include <string_view>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::api {

int HttpStatusFor(ErrorCode code);
http::Response ErrorResponse(const Status& status);
http::Response ErrorResponse(int http_status, std::string_view code, std::string_view message);

}  // namespace aether::api
