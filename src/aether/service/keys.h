// KeyService: the Ed25519 public keys allowed to sign an app's artifacts — register (the key
// id is derived from the key itself), list, deactivate. Thread-safe (the store is).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aether/store/store.h"

namespace aether {

// A key's display name: empty (unnamed) or up to 200 characters without control characters.
Status ValidateKeyName(std::string_view name);
// A key id as Register makes them: "sha256:" + 64 lowercase hex digits.
Status ValidateKeyId(std::string_view id);

class KeyService {
 public:
  explicit KeyService(MetadataStore& store) : store_(store) {}

  // Registers an SPKI PEM Ed25519 public key; kInvalidArgument for anything else (a private
  // key is refused with a warning), kAlreadyExists when the app has it already. The app name,
  // key name and key id are checked (kInvalidArgument) before the store is asked.
  Result<PublicKey> Register(const std::string& app, const std::string& pem,
                             const std::string& name);
  Result<std::vector<PublicKey>> List(const std::string& app);
  Result<PublicKey> Deactivate(const std::string& app, const std::string& id);

 private:
  MetadataStore& store_;
};

}  // namespace aether
