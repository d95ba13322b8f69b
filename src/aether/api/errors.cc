// ErrorCode → HTTP status, and the error envelope; internal details are logged, not sent.
#include "aether/api/errors.h"

#include <algorithm>
#include <string>

#include "aether/core/log.h"
#include "aether/core/names.h"
#include "aether/http/envelope.h"

namespace aether::api {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kQuotaExceeded:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kIdempotencyConflict:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kDigestMismatch:
    case ErrorCode::kSignatureRequired:
    case ErrorCode::kSignatureInvalid:
    case ErrorCode::kSbomRequired:
    case ErrorCode::kSbomInvalid:
    case ErrorCode::kProvenanceRequired:
    case ErrorCode::kProvenanceInvalid:
    case ErrorCode::kPlatformMismatch:
      return 422;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kDeployFailed:
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kUntrustedCertificate:  // an upstream's TLS certificate did not verify
      return 502;
  }
  return 500;
}

http::Response ErrorResponse(int http_status, std::string_view code, std::string_view message) {
  auto res = http::ErrorEnvelope(http_status, code, message);
  if (http_status == 401) res.headers["WWW-Authenticate"] = "Bearer realm=\"aetherd\"";
  return res;
}

http::Response ErrorResponse(const Status& status) {
  const int http_status = HttpStatusFor(status.code());
  if (http_status != 500 && http_status != 503) {
    return ErrorResponse(http_status, ErrorCodeName(status.code()), status.message());
  }
  // The detail may hold SQL, paths under the data dir or exception text: log it, send a ref.
  const std::string ref = NewId("err");
  LogLine("api: " + ref + ": " + status.ToString());
  const std::string message =
      http_status == 500 ? "internal error (ref " + ref + ")"
                         : "a backing service is unavailable, retry later (ref " + ref + ")";
  return ErrorResponse(http_status, ErrorCodeName(status.code()), message);
}

http::Response RateLimitedResponse(std::chrono::seconds retry_after) {
  const long long seconds = std::max<long long>(1, retry_after.count());
  auto res =
      ErrorResponse(429, ErrorCodeName(ErrorCode::kRateLimited),
                    "too many requests for this token; retry in " + std::to_string(seconds) + "s");
  res.headers["Retry-After"] = std::to_string(seconds);
  return res;
}

}  // namespace aether::api
