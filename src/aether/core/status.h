// Status and Result<T>: errors as values across every module boundary.
// One closed ErrorCode enum; api/ maps it to HTTP, cli/ maps it to exit codes.
// Value types, no shared state: thread-compatible.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aether {

enum class ErrorCode {
  kOk,
  kInvalidArgument,     // malformed input: bad JSON, bad name, bad digest
  kUnauthenticated,     // missing, unknown or expired credential
  kPermissionDenied,    // valid credential without the right
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // create of something that exists
  kConflict,            // state conflict (e.g. deleting an app mid-deploy)
  kDigestMismatch,      // bytes do not hash to the claimed digest
  kPayloadTooLarge,     // body or archive over a limit
  kFailedPrecondition,  // an input refers to something missing (e.g. unknown layer)
  kDeployFailed,        // a rollout failed (crash, readiness timeout)
  // Artifact policy and verification (422): what is missing or does not verify.
  kSignatureRequired,     // AETHER_REQUIRE_SIGNATURE and no signature was given
  kSignatureInvalid,      // a signature that does not verify against an active key
  kSbomRequired,          // AETHER_REQUIRE_SBOM and no SBOM was given
  kSbomInvalid,           // an SBOM that is malformed or names another artifact
  kProvenanceRequired,    // AETHER_REQUIRE_PROVENANCE and no provenance was given
  kProvenanceInvalid,     // provenance malformed, unsigned or about another artifact
  kPlatformMismatch,      // native addons built for a platform other than the runtime's
  kQuotaExceeded,         // a per-app quota (artifact count or bytes) would be exceeded (403)
  kIdempotencyConflict,   // an Idempotency-Key reused with another request, or in flight (409)
  kRateLimited,           // too many requests for this token; retry after a while (429)
  kUnavailable,           // a dependency cannot be reached (network, server down)
  kTimeout,               // an operation ran out of time
  kUntrustedCertificate,  // a TLS peer's certificate does not verify (unknown CA, wrong host)
  kInternal,              // a bug or an unexpected environment failure
};

// Stable snake_case name used in the JSON error envelope ("not_found").
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: app 'x' does not exist"
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
inline Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {ErrorCode::kFailedPrecondition, std::move(m)};
}

// Result<T> holds a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace aether

#define AETHER_CONCAT_INNER(a, b) a##b
#define AETHER_CONCAT(a, b) AETHER_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not ok.
#define AETHER_RETURN_IF_ERROR(expr)                         \
  do {                                                       \
    ::aether::Status aether_status_tmp_ = (expr);            \
    if (!aether_status_tmp_.ok()) return aether_status_tmp_; \
  } while (0)

// `AETHER_ASSIGN_OR_RETURN(auto x, MakeX());` unwraps a Result or returns its Status.
#define AETHER_ASSIGN_OR_RETURN(lhs, expr) \
  AETHER_ASSIGN_OR_RETURN_IMPL(AETHER_CONCAT(aether_result_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration, it cannot be parenthesised.
#define AETHER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
