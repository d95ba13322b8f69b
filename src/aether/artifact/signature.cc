// Detached artifact signatures: Ed25519 over the digest string, JSON with base64 "sig".
// Stateless; thread-safe. nlohmann exceptions are kept inside this file.
#include "aether/artifact/signature.h"

#include <nlohmann/json.hpp>

#include "aether/crypto/base64.h"
#include "aether/crypto/ed25519.h"

namespace aether::artifact {
namespace {

using nlohmann::json;

Status Invalid(std::string message) {
  return {ErrorCode::kSignatureInvalid, "signature: " + std::move(message)};
}

Result<std::string> StringField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return Invalid(std::string("missing field '") + name + "'");
  if (!it->is_string()) return Invalid(std::string("field '") + name + "' is not a string");
  return it->get<std::string>();
}

}  // namespace

Result<ArtifactSignature> SignArtifact(const Digest& artifact, std::string_view private_pem) {
  AETHER_ASSIGN_OR_RETURN(std::string public_pem, crypto::Ed25519PublicFromPrivate(private_pem));
  ArtifactSignature s;
  s.digest = artifact.str();
  AETHER_ASSIGN_OR_RETURN(s.keyid, crypto::Ed25519KeyId(public_pem));
  AETHER_ASSIGN_OR_RETURN(s.sig, crypto::Ed25519Sign(private_pem, s.digest));
  return s;
}

std::string SignatureJson(const ArtifactSignature& s) {
  json j{{"alg", s.alg},
         {"digest", s.digest},
         {"keyid", s.keyid},
         {"sig", crypto::Base64Encode(s.sig)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ArtifactSignature> ParseSignature(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("not valid JSON");
  if (!j.is_object()) return Invalid("not a JSON object");
  ArtifactSignature s;
  AETHER_ASSIGN_OR_RETURN(s.alg, StringField(j, "alg"));
  if (s.alg != "ed25519") return Invalid("field 'alg' is '" + s.alg + "', not 'ed25519'");
  AETHER_ASSIGN_OR_RETURN(std::string digest, StringField(j, "digest"));
  auto parsed = Digest::Parse(digest);
  if (!parsed.ok()) return Invalid("field 'digest' is not a sha256 digest");
  s.digest = parsed->str();
  AETHER_ASSIGN_OR_RETURN(s.keyid, StringField(j, "keyid"));
  AETHER_ASSIGN_OR_RETURN(std::string sig64, StringField(j, "sig"));
  auto sig = crypto::Base64Decode(sig64);
  if (!sig.ok()) return Invalid("field 'sig' is not base64");
  s.sig = std::move(sig).value();
  if (s.sig.size() != 64) return Invalid("field 'sig' is not a 64-byte Ed25519 signature");
  return s;
}

Status VerifyArtifactSignature(const ArtifactSignature& s, const Digest& expected,
                               std::string_view public_pem) {
  if (s.alg != "ed25519") return Invalid("unsupported alg '" + s.alg + "'");
  if (s.digest != expected.str()) {
    return {ErrorCode::kSignatureInvalid,
            "signature is for " + s.digest + ", not " + expected.str()};
  }
  AETHER_ASSIGN_OR_RETURN(std::string keyid, crypto::Ed25519KeyId(public_pem));
  Status st = crypto::Ed25519Verify(public_pem, s.digest, s.sig);
  if (st.code() != ErrorCode::kSignatureInvalid) return st;
  if (!s.keyid.empty() && s.keyid != keyid) {
    return Invalid("made by key " + s.keyid + ", not by key " + keyid);
  }
  return Invalid("does not verify for " + s.digest + " under key " + keyid);
}

}  // namespace aether::artifact
