// ExitCodeFor: the single mapping from (ErrorCode, Origin) to the CLI's exit codes.
#include "aether/cli/exit_codes.h"

namespace aether::cli {

int ExitCodeFor(ErrorCode code, Origin origin) {
  if (code == ErrorCode::kOk) return kExitOk;
  if (origin == Origin::kUsage) return kExitUsage;
  switch (code) {
    case ErrorCode::kDeployFailed:
      return kExitDeployFailed;
    case ErrorCode::kRateLimited:
      return kExitRateLimited;
    case ErrorCode::kUntrustedCertificate:
      return kExitUntrusted;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
      return kExitAuth;
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout:
      return kExitNetwork;
    case ErrorCode::kSignatureRequired:
    case ErrorCode::kSignatureInvalid:
    case ErrorCode::kSbomRequired:
    case ErrorCode::kSbomInvalid:
    case ErrorCode::kProvenanceRequired:
    case ErrorCode::kProvenanceInvalid:
    case ErrorCode::kPlatformMismatch:
    case ErrorCode::kQuotaExceeded:
      return kExitRefused;
    default:
      break;
  }
  if (origin == Origin::kServer) return kExitServer;
  switch (code) {
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kNotFound:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kAlreadyExists:
      return kExitConfig;
    default:
      return kExitInternal;
  }
}

}  // namespace aether::cli
