// Exit codes of the `aether` CLI and the one function that maps a failure to them.
// A failure is an ErrorCode plus where it arose (Origin): a 400 from the server is a rejected
// request, a local kInvalidArgument a project problem. Pure functions; thread-safe.
#pragma once

#include "aether/core/status.h"

namespace aether::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,      // unexpected failure, a bug
  kExitUsage = 2,         // bad flags or arguments
  kExitConfig = 3,        // not logged in, unreadable config, not a Node.js project…
  kExitNetwork = 4,       // server unreachable, timed out or temporarily unavailable
  kExitServer = 5,        // the server rejected the request (API error, unknown app…)
  kExitDeployFailed = 6,  // the rollout reported failure
  kExitAuth = 7,          // token missing, unknown or without the right (401/403)
  kExitRefused = 8,       // the artifact failed verification or policy (signature, SBOM,
                          // provenance, native addons for another platform)
  kExitRateLimited = 9,   // the server answered 429: too many requests for this token
  kExitUntrusted = 10,    // the server's TLS certificate is not trusted (see --ca-file)
};

// Where a failure arose.
enum class Origin {
  kLocal,   // this machine: config, project, package manager, packing
  kUsage,   // the command line itself
  kServer,  // the API (transport failures included)
};

// A command's outcome: ok, or a Status tagged with its Origin.
struct Outcome {
  Status status;
  Origin origin = Origin::kLocal;

  bool ok() const { return status.ok(); }
  static Outcome Ok() { return {}; }
};

inline Outcome LocalFailure(Status s) { return {std::move(s), Origin::kLocal}; }
inline Outcome ServerFailure(Status s) { return {std::move(s), Origin::kServer}; }
inline Outcome UsageFailure(std::string message) {
  return {InvalidArgument(std::move(message)), Origin::kUsage};
}

// The exit code for a failure (kExitOk for an ok status). Locally, kFailedPrecondition,
// kNotFound, kInvalidArgument and kAlreadyExists are configuration or project problems (3);
// kInternal and the rest are unexpected (1). From the server, kUnavailable/kTimeout are network
// failures (4) and everything but auth (7) and kDeployFailed (6) is a rejected request (5).
// Verification and policy refusals (kSignature*, kSbom*, kProvenance*, kPlatformMismatch,
// kQuotaExceeded)
// are 8 from either side. kRateLimited (HTTP 429) is 9. kUntrustedCertificate (the server's TLS
// certificate does not verify) is 10.
int ExitCodeFor(ErrorCode code, Origin origin);
inline int ExitCodeFor(const Outcome& o) { return ExitCodeFor(o.status.code(), o.origin); }

}  // namespace aether::cli
