// VerifyEvidence: signature against the app's active keys, SBOM and provenance subjects,
// policy switches. Each failure names what to do about it.
#include "aether/service/evidence.h"

#include <cstdlib>
#include <string_view>

#include "aether/artifact/dsse.h"
#include "aether/artifact/provenance.h"
#include "aether/artifact/sbom.h"
#include "aether/artifact/signature.h"

namespace aether {
namespace {

bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  std::string_view s(v);
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

const PublicKey* FindKey(const std::vector<PublicKey>& keys, const std::string& id) {
  for (const auto& k : keys) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

// The active key `id`, or why it cannot be used (kind says which error code to use).
Result<const PublicKey*> ActiveKey(const std::vector<PublicKey>& keys, const std::string& id,
                                   ErrorCode kind, const std::string& what) {
  const PublicKey* key = FindKey(keys, id);
  if (key == nullptr) {
    return Status(kind, what + " is signed by key " + id +
                            ", which is not registered for this app: register its public key "
                            "with `aether keys register`");
  }
  if (!key->active) {
    return Status(kind, what + " is signed by key " + id + ", which was deactivated at " +
                            key->deactivated_at);
  }
  return key;
}

Status CheckSignature(const std::vector<PublicKey>& keys, const Digest& artifact,
                      const std::string& text, ArtifactRecord* record) {
  AETHER_ASSIGN_OR_RETURN(artifact::ArtifactSignature sig, artifact::ParseSignature(text));
  AETHER_ASSIGN_OR_RETURN(const PublicKey* key,
                          ActiveKey(keys, sig.keyid, ErrorCode::kSignatureInvalid, "the artifact"));
  AETHER_RETURN_IF_ERROR(artifact::VerifyArtifactSignature(sig, artifact, key->pem));
  record->signature = text;
  record->signed_by = key->id;
  return Status::Ok();
}

Status CheckProvenance(const ArtifactPolicy& policy, const std::vector<PublicKey>& keys,
                       const Digest& artifact, const std::string& text, ArtifactRecord* record) {
  AETHER_ASSIGN_OR_RETURN(artifact::DsseEnvelope env, artifact::ParseDsse(text));
  if (env.payload_type != artifact::kInTotoPayloadType) {
    return Status(ErrorCode::kProvenanceInvalid,
                  "provenance payload type is '" + env.payload_type + "', want '" +
                      std::string(artifact::kInTotoPayloadType) + "'");
  }
  AETHER_RETURN_IF_ERROR(artifact::CheckProvenanceSubject(env.payload, artifact));
  // Verified by the first signature whose key is registered; with none, it is kept as
  // unverified unless the policy requires provenance.
  std::string first_keyid = env.signatures.empty() ? "" : env.signatures.front().keyid;
  for (const auto& s : env.signatures) {
    const PublicKey* key = FindKey(keys, s.keyid);
    if (key == nullptr) continue;
    AETHER_ASSIGN_OR_RETURN(
        key, ActiveKey(keys, s.keyid, ErrorCode::kProvenanceInvalid, "the provenance"));
    AETHER_RETURN_IF_ERROR(artifact::DsseVerify(env, key->pem));
    record->provenance = text;
    record->provenance_signed_by = key->id;
    return Status::Ok();
  }
  if (policy.require_provenance) {
    return Status(ErrorCode::kProvenanceInvalid,
                  first_keyid.empty()
                      ? "the provenance carries no signature"
                      : "the provenance is signed by key " + first_keyid +
                            ", which is not registered for this app: register its public key "
                            "with `aether keys register`");
  }
  record->provenance = text;
  return Status::Ok();
}

}  // namespace

ArtifactPolicy ArtifactPolicy::FromEnvironment() {
  ArtifactPolicy p;
  p.require_signature = EnvFlag("AETHER_REQUIRE_SIGNATURE");
  p.require_sbom = EnvFlag("AETHER_REQUIRE_SBOM");
  p.require_provenance = EnvFlag("AETHER_REQUIRE_PROVENANCE");
  return p;
}

Status VerifyEvidence(const ArtifactPolicy& policy, const std::vector<PublicKey>& keys,
                      const Digest& artifact, const Evidence& evidence, ArtifactRecord* record) {
  if (!evidence.signature.empty()) {
    AETHER_RETURN_IF_ERROR(CheckSignature(keys, artifact, evidence.signature, record));
  } else if (policy.require_signature) {
    return Status(ErrorCode::kSignatureRequired,
                  "this server requires signed artifacts (AETHER_REQUIRE_SIGNATURE): create a key "
                  "with `aether keys generate`, register it with `aether keys register` and "
                  "deploy with --sign-key or AETHER_SIGNING_KEY");
  }
  if (!evidence.sbom.empty()) {
    AETHER_RETURN_IF_ERROR(artifact::CheckSbom(evidence.sbom, artifact));
    record->sbom = evidence.sbom;
  } else if (policy.require_sbom) {
    return Status(ErrorCode::kSbomRequired,
                  "this server requires an SBOM with every artifact (AETHER_REQUIRE_SBOM): "
                  "deploy without --no-sbom");
  }
  if (!evidence.provenance.empty()) {
    AETHER_RETURN_IF_ERROR(CheckProvenance(policy, keys, artifact, evidence.provenance, record));
  } else if (policy.require_provenance) {
    return Status(ErrorCode::kProvenanceRequired,
                  "this server requires signed provenance (AETHER_REQUIRE_PROVENANCE): deploy "
                  "with a signing key (--sign-key or AETHER_SIGNING_KEY)");
  }
  return Status::Ok();
}

}  // namespace aether
