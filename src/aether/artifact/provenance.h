// Build provenance: an in-toto Statement v1 whose predicate is SLSA Provenance v1, naming the
// artifact digest as subject and the lockfile and git commit as resolved dependencies; signed
// as a DSSE envelope. Value types and stateless free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::artifact {

inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";
inline constexpr std::string_view kInTotoStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kSlsaProvenanceType = "https://slsa.dev/provenance/v1";
inline constexpr std::string_view kAetherBuildType =
    "https://aetherengine.dev/buildtypes/aether-cli-deploy/v1";

struct ProvenanceInput {
  // Digest has no default constructor; the all-zero placeholder keeps this struct
  // default-constructible so callers can fill it field by field.
  Digest artifact = Digest::FromHex(std::string(64, '0'));
  std::string app;
  std::string lockfile_name;        // "package-lock.json"
  std::string lockfile_sha256_hex;  // "" when there is no lockfile
  bool in_git = false;
  std::string git_commit;
  bool git_dirty = false;
  std::string git_remote;       // may be ""
  std::string builder_version;  // "0.1.0"
  std::string os, arch, libc, node_abi, node_version, package_manager;
  std::string started_on, finished_on;  // RFC 3339
  std::string invocation_id;
};

// The statement JSON (sorted keys, compact).
std::string ProvenanceStatement(const ProvenanceInput& in);

// Ok when `statement_json` is an in-toto v1 statement with a SLSA v1 predicate and a subject
// whose digest.sha256 is `artifact`'s; kProvenanceInvalid otherwise.
Status CheckProvenanceSubject(std::string_view statement_json, const Digest& artifact);

// The statement signed with the PKCS#8 Ed25519 `private_pem`, as DSSE envelope JSON.
Result<std::string> SignProvenance(const ProvenanceInput& in, std::string_view private_pem);

// Ok when `envelope_json` is a DSSE envelope of an in-toto payload, signed by `public_pem`,
// whose statement names `artifact`; kProvenanceInvalid otherwise.
Status VerifyProvenance(std::string_view envelope_json, const Digest& artifact,
                        std::string_view public_pem);

}  // namespace aether::artifact
