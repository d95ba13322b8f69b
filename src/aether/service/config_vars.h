// Config vars: name validation and sealing of the values at rest. Values reach the store only
// sealed (AES-256-GCM bound to "app/NAME", crypto/seal.h) and are opened just before a rollout
// or when an admin asks to reveal them. Owned by the composition root; immutable, thread-safe.
#pragma once

#include <map>
#include <string>

#include "aether/core/status.h"

namespace aether {

using ConfigMap = std::map<std::string, std::string>;

// POSIX-style names: [A-Za-z_][A-Za-z0-9_]*, up to 255 chars; PORT and AETHER_* are the
// platform's own and refused.
Status ValidateConfigName(const std::string& name);
// At most 32 KiB per value and 256 KiB per app.
Status ValidateConfigValues(const ConfigMap& vars);

class ConfigCipher {
 public:
  explicit ConfigCipher(std::string key) : key_(std::move(key)) {}  // 32 raw bytes

  Result<ConfigMap> Seal(const std::string& app, const ConfigMap& plain) const;
  Result<ConfigMap> Open(const std::string& app, const ConfigMap& sealed) const;

 private:
  std::string key_;
};

}  // namespace aether
