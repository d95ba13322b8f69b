// DSSE v1: PAE, Ed25519 signing/verification and the JSON envelope encoding.
// Stateless; thread-safe. nlohmann exceptions are kept inside this file.
#include "aether/artifact/dsse.h"

#include <nlohmann/json.hpp>

#include "aether/crypto/base64.h"
#include "aether/crypto/ed25519.h"

namespace aether::artifact {
namespace {

using nlohmann::json;

Status Invalid(std::string message) {
  return {ErrorCode::kProvenanceInvalid, "dsse: " + std::move(message)};
}

// The DSSE spec allows standard or URL-safe base64, with or without padding.
Result<std::string> DecodeBase64(std::string text, const std::string& field) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (text.size() % 4 != 0 && text.find('=') == std::string::npos) {
    text.append(4 - text.size() % 4, '=');
  }
  auto decoded = crypto::Base64Decode(text);
  if (!decoded.ok()) return Invalid("field '" + field + "' is not base64");
  return std::move(decoded).value();
}

Result<std::string> Base64Field(const json& j, const std::string& name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return Invalid("missing string field '" + name + "'");
  return DecodeBase64(it->get<std::string>(), name);
}

}  // namespace

std::string DssePae(std::string_view payload_type, std::string_view payload) {
  std::string out = "DSSEv1 " + std::to_string(payload_type.size()) + " ";
  out += payload_type;
  out += " " + std::to_string(payload.size()) + " ";
  out += payload;
  return out;
}

Result<DsseEnvelope> DsseSign(std::string_view payload_type, std::string_view payload,
                              std::string_view private_pem) {
  AETHER_ASSIGN_OR_RETURN(std::string public_pem, crypto::Ed25519PublicFromPrivate(private_pem));
  DsseSignature sig;
  AETHER_ASSIGN_OR_RETURN(sig.keyid, crypto::Ed25519KeyId(public_pem));
  AETHER_ASSIGN_OR_RETURN(sig.sig,
                          crypto::Ed25519Sign(private_pem, DssePae(payload_type, payload)));
  DsseEnvelope e;
  e.payload_type = std::string(payload_type);
  e.payload = std::string(payload);
  e.signatures.push_back(std::move(sig));
  return e;
}

std::string DsseJson(const DsseEnvelope& e) {
  json sigs = json::array();
  for (const DsseSignature& s : e.signatures) {
    sigs.push_back(json{{"keyid", s.keyid}, {"sig", crypto::Base64Encode(s.sig)}});
  }
  json j{{"payload", crypto::Base64Encode(e.payload)},
         {"payloadType", e.payload_type},
         {"signatures", std::move(sigs)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<DsseEnvelope> ParseDsse(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("not valid JSON");
  if (!j.is_object()) return Invalid("not a JSON object");
  DsseEnvelope e;
  AETHER_ASSIGN_OR_RETURN(e.payload, Base64Field(j, "payload"));
  auto type = j.find("payloadType");
  if (type == j.end() || !type->is_string()) return Invalid("missing string field 'payloadType'");
  e.payload_type = type->get<std::string>();
  auto sigs = j.find("signatures");
  if (sigs == j.end() || !sigs->is_array() || sigs->empty()) {
    return Invalid("field 'signatures' is not a non-empty array");
  }
  for (const json& s : *sigs) {
    if (!s.is_object()) return Invalid("field 'signatures' holds a non-object");
    DsseSignature sig;
    auto keyid = s.find("keyid");
    if (keyid != s.end()) {
      if (!keyid->is_string()) return Invalid("field 'signatures[].keyid' is not a string");
      sig.keyid = keyid->get<std::string>();
    }
    AETHER_ASSIGN_OR_RETURN(sig.sig, Base64Field(s, "sig"));
    e.signatures.push_back(std::move(sig));
  }
  return e;
}

Status DsseVerify(const DsseEnvelope& e, std::string_view public_pem) {
  AETHER_ASSIGN_OR_RETURN(std::string keyid, crypto::Ed25519KeyId(public_pem));
  std::string pae = DssePae(e.payload_type, e.payload);
  bool tried = false;
  for (const DsseSignature& s : e.signatures) {
    if (!s.keyid.empty() && s.keyid != keyid) continue;
    tried = true;
    Status st = crypto::Ed25519Verify(public_pem, pae, s.sig);
    if (st.ok()) return st;
    if (st.code() != ErrorCode::kSignatureInvalid) return st;
  }
  if (!tried) return Invalid("no signature by key " + keyid);
  return Invalid("signature by key " + keyid + " does not verify");
}

}  // namespace aether::artifact
