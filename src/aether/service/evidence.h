// Artifact evidence checks at registration: the detached signature, the SBOM and the
// provenance envelope are verified against the artifact digest and the app's public keys,
// and the policy switches (require signature / SBOM / provenance) are enforced. Also the
// native-addon platform check. Stateless free functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "aether/artifact/manifest.h"
#include "aether/core/digest.h"
#include "aether/core/model.h"
#include "aether/core/status.h"
#include "aether/service/retention.h"

namespace aether {

struct ArtifactPolicy {
  bool require_signature = false;   // AETHER_REQUIRE_SIGNATURE
  bool require_sbom = false;        // AETHER_REQUIRE_SBOM
  bool require_provenance = false;  // AETHER_REQUIRE_PROVENANCE
  // The platform apps run on; native addons in a manifest must match it. Unset: unchecked.
  std::optional<Platform> runtime;
  // Per-app quotas and retention (AETHER_QUOTA_*, AETHER_RETAIN_ARTIFACTS; main reads them).
  ArtifactLimits limits;

  // Reads the three AETHER_REQUIRE_* variables ("1", "true", "yes", "on" enable them).
  static ArtifactPolicy FromEnvironment();
};

// What a client sends beside the manifest; empty strings mean "not given".
struct Evidence {
  std::string signature;    // signature document (artifact/signature.h)
  std::string sbom;         // CycloneDX 1.5 or aether-sbom/v1
  std::string provenance;   // DSSE envelope of an in-toto statement
  std::string digest = {};  // the artifact digest the client computed; must match the bytes
};

// Checks `evidence` for `artifact` and fills the record's evidence fields. Errors:
// kSignatureRequired/Invalid, kSbomRequired/Invalid, kProvenanceRequired/Invalid.
Status VerifyEvidence(const ArtifactPolicy& policy, const std::vector<PublicKey>& keys,
                      const Digest& artifact, const Evidence& evidence, ArtifactRecord* record);

}  // namespace aether
