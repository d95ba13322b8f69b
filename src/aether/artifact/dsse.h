// DSSE v1 envelopes (secure-systems-lab/dsse protocol.md) signed with Ed25519: the signature
// covers PAE(payloadType, payload). Here they carry in-toto provenance, so malformed or
// unverifiable envelopes are kProvenanceInvalid. Value types, free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"

namespace aether::artifact {

struct DsseSignature {
  std::string keyid;  // crypto::Ed25519KeyId of the signer; may be "" in foreign envelopes
  std::string sig;    // raw signature bytes
};

struct DsseEnvelope {
  std::string payload_type;
  std::string payload;  // raw bytes
  std::vector<DsseSignature> signatures;
};

// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal.
std::string DssePae(std::string_view payload_type, std::string_view payload);

// An envelope with one signature by the PKCS#8 Ed25519 `private_pem` (kInvalidArgument for a
// bad key).
Result<DsseEnvelope> DsseSign(std::string_view payload_type, std::string_view payload,
                              std::string_view private_pem);

// {"payload":"<b64>","payloadType":"…","signatures":[{"keyid":"…","sig":"<b64>"}]}
std::string DsseJson(const DsseEnvelope& e);

// Parses an envelope (standard or URL-safe base64, padding optional); kProvenanceInvalid when
// malformed or without signatures.
Result<DsseEnvelope> ParseDsse(std::string_view json);

// Ok when a signature whose keyid matches `public_pem`'s key id (or whose keyid is empty)
// verifies over the PAE; kProvenanceInvalid otherwise; kInvalidArgument for a bad key.
Status DsseVerify(const DsseEnvelope& e, std::string_view public_pem);

}  // namespace aether::artifact
