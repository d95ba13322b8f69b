// Ed25519 signing over OpenSSL (linked privately; keys cross this API as PEM text).
// Private keys are PKCS#8 "BEGIN PRIVATE KEY", public keys SPKI "BEGIN PUBLIC KEY": the
// format `openssl genpkey -algorithm ed25519` writes. Stateless free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::crypto {

struct Ed25519KeyPair {
  std::string private_pem;
  std::string public_pem;
};

// A fresh key pair from the OS CSPRNG.
Result<Ed25519KeyPair> GenerateEd25519();

// The SPKI public PEM of an unencrypted PKCS#8 Ed25519 private PEM.
Result<std::string> Ed25519PublicFromPrivate(std::string_view private_pem);

// The raw 64-byte signature of `message`. A bad, encrypted or non-Ed25519 PEM is
// kInvalidArgument.
Result<std::string> Ed25519Sign(std::string_view private_pem, std::string_view message);

// Ok when `signature` (raw 64 bytes) is `message` signed by the key; kSignatureInvalid when
// it does not verify; kInvalidArgument when `public_pem` is not an Ed25519 public key.
Status Ed25519Verify(std::string_view public_pem, std::string_view message,
                     std::string_view signature);

// A stable id for a public key: "sha256:" + lowercase hex of sha256 over its DER
// SubjectPublicKeyInfo. Public PEMs only (kInvalidArgument otherwise).
Result<std::string> Ed25519KeyId(std::string_view public_pem);

}  // namespace aether::crypto
