// The one place where error codes become HTTP statuses and the JSON error envelope
// {"code": ..., "message": ...}. Answers that map to 500 or 503 never carry their detail (SQL,
// data-dir paths, exception text): the client gets a generic message with a reference
// ("ref err_…") and the detail is logged to stderr under that reference. Stateless; thread-safe.
#pragma once

#include <chrono>
#include <string_view>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::api {

int HttpStatusFor(ErrorCode code);
http::Response ErrorResponse(const Status& status);
// Sends `message` as it is: callers pass only text that is safe to show.
http::Response ErrorResponse(int http_status, std::string_view code, std::string_view message);
// 429 rate_limited with `Retry-After: <seconds>` (at least 1).
http::Response RateLimitedResponse(std::chrono::seconds retry_after);

}  // namespace aether::api
