// The deploy's evidence step: the SBOM from the lockfile, the detached signature of the
// artifact digest and the signed in-toto/SLSA provenance, each timed and written as a file
// beside the artifact's manifest. One call per deploy, from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "aether/cli/platform.h"
#include "aether/cli/project.h"
#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::cli {

struct EvidenceOptions {
  bool sbom = true;                 // --no-sbom turns it off
  bool legacy_sbom = false;         // --legacy-sbom: aether-sbom/v1 instead of CycloneDX 1.5
  std::string sign_key;             // private key path ("" → unsigned, no provenance)
  bool require_provenance = false;  // AETHER_REQUIRE_PROVENANCE
  std::chrono::milliseconds provenance_timeout{10000};  // AETHER_PROVENANCE_TIMEOUT_MS
  std::string started_on;                               // RFC 3339 time the deploy started
};

// Reads AETHER_REQUIRE_PROVENANCE and AETHER_PROVENANCE_TIMEOUT_MS into `options`;
// kInvalidArgument for a timeout that is not a positive integer.
Status ReadProvenanceEnvironment(EvidenceOptions* options);

struct Evidence {
  std::string sbom, signature, provenance;  // documents, "" when not made
  std::string sbom_path, signature_path, provenance_path;
  std::string keyid;            // the signing key's id, "" when unsigned
  std::string sbom_note;        // why there is none although SBOMs are on ("no lockfile…")
  std::string provenance_note;  // why there is none: "no signing key", "timed out after …"
  int64_t sbom_ms = 0, sign_ms = 0, provenance_ms = 0;
};

// Builds the evidence for `artifact` and writes each document into `out_dir`. Without a
// lockfile the SBOM lists the app alone when it has no dependencies, and is skipped (with
// `sbom_note`) when it has some. An unusable key, or provenance that is required but could not be
// made in time are errors; a provenance timeout otherwise becomes `provenance_note`.
Result<Evidence> BuildEvidence(const Project& project, const std::string& app,
                               const Digest& artifact, const HostPlatform& platform,
                               const LocalNode& node, const EvidenceOptions& options,
                               const std::string& out_dir);

}  // namespace aether::cli
