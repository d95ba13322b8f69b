// Signing keys on the developer's machine: where `aether keys generate` puts the Ed25519
// pair, how deploy finds the key (--sign-key, else AETHER_SIGNING_KEY), and loading with the
// same care ssh takes (a private key readable by others is refused). Free functions.
#pragma once

#include <string>

#include "aether/core/status.h"

namespace aether::cli {

// $XDG_CONFIG_HOME/aether/keys/aether-ed25519.key (the public half beside it, ".pub").
std::string DefaultKeyPath();
// The signing key deploy uses: `flag`, else $AETHER_SIGNING_KEY, else "" (unsigned).
std::string SigningKeyPath(const std::string& flag);

struct KeyFiles {
  std::string private_path;
  std::string public_path;  // private_path + ".pub"
  std::string public_pem;
  std::string keyid;  // "sha256:…"
};

// Writes a fresh pair: the private key 0600 (directory 0700), the public key 0644.
// kAlreadyExists when the private key exists and `force` is false.
Result<KeyFiles> GenerateKeyFiles(const std::string& private_path, bool force);
// The PEM of a private key file; kFailedPrecondition when missing, unreadable, too open
// (group/other may read it) or not an Ed25519 key.
Result<std::string> LoadPrivateKey(const std::string& path);
// A public key PEM from `path`: a .pub file, or the public half of a private key file.
Result<std::string> LoadPublicKey(const std::string& path);

}  // namespace aether::cli
