// Names of error codes, as they appear in the API's error envelope.
#include "aether/core/status.h"

namespace aether {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kDigestMismatch:
      return "digest_mismatch";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kDeployFailed:
      return "deploy_failed";
    case ErrorCode::kSignatureRequired:
      return "signature_required";
    case ErrorCode::kSignatureInvalid:
      return "signature_invalid";
    case ErrorCode::kSbomRequired:
      return "sbom_required";
    case ErrorCode::kSbomInvalid:
      return "sbom_invalid";
    case ErrorCode::kProvenanceRequired:
      return "provenance_required";
    case ErrorCode::kProvenanceInvalid:
      return "provenance_invalid";
    case ErrorCode::kPlatformMismatch:
      return "platform_mismatch";
    case ErrorCode::kQuotaExceeded:
      return "quota_exceeded";
    case ErrorCode::kIdempotencyConflict:
      return "idempotency_conflict";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kUnavailable:
      return "service_unavailable";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kUntrustedCertificate:
      return "untrusted_certificate";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace aether
