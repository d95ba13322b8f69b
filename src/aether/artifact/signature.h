// ArtifactSignature: a detached Ed25519 signature over an artifact digest. The signed message
// is the exact ASCII bytes of the digest string "sha256:<hex>" (the manifest's sha256).
// Value type and stateless free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::artifact {

struct ArtifactSignature {
  std::string digest;  // "sha256:<hex>" of the manifest bytes
  std::string keyid;   // crypto::Ed25519KeyId of the signer's public key
  std::string alg = "ed25519";
  std::string sig;  // raw signature bytes
};

// Signs `artifact` with a PKCS#8 Ed25519 private PEM (kInvalidArgument for a bad key).
Result<ArtifactSignature> SignArtifact(const Digest& artifact, std::string_view private_pem);

// {"alg":"ed25519","digest":"sha256:…","keyid":"sha256:…","sig":"<base64>"}: sorted keys,
// compact.
std::string SignatureJson(const ArtifactSignature& s);

// Parses SignatureJson's format; kSignatureInvalid naming the field when malformed.
Result<ArtifactSignature> ParseSignature(std::string_view json);

// Ok when `s` is for `expected` and verifies under `public_pem`; kSignatureInvalid otherwise
// ("signature is for sha256:…, not sha256:…"); kInvalidArgument for an unparseable key.
Status VerifyArtifactSignature(const ArtifactSignature& s, const Digest& expected,
                               std::string_view public_pem);

}  // namespace aether::artifact
