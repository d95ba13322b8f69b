// ErrorCode → HTTP status, and the error envelope.
#include "aether/api/errors.h"

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
    case ErrorCode::kDeployFailed:
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
  }
  return 500;
}

http::Response ErrorResponse(int http_status, std::string_view code, std::string_view message) {
  auto res = http::ErrorEnvelope(http_status, code, message);
  if (http_status == 401) res.headers["WWW-Authenticate"] = "Bearer realm=\"aetherd\"";
  return res;
}

http::Response ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), ErrorCodeName(status.code()),
                       status.message());
}

}  // namespace aether::api
