// Config var validation and sealing.
#include "aether/service/config_vars.h"

#include "aether/crypto/seal.h"

namespace aether {

Status ValidateConfigName(const std::string& name) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("config var name '" + name.substr(0, 80) + "' " + why);
  };
  if (name.empty() || name.size() > 255) return bad("must be 1-255 characters");
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return bad("must match [A-Za-z_][A-Za-z0-9_]*");
  }
  if (name == "PORT" || name.starts_with("AETHER_")) {
    return bad("is set by the platform and cannot be changed");
  }
  return Status::Ok();
}

Status ValidateConfigValues(const ConfigMap& vars) {
  size_t total = 0;
  for (const auto& [name, value] : vars) {
    if (value.size() > size_t{32} * 1024) {
      return InvalidArgument("config var " + name + " is over 32 KiB");
    }
    total += name.size() + value.size();
  }
  if (total > size_t{256} * 1024) return InvalidArgument("config vars are over 256 KiB in all");
  return Status::Ok();
}

Result<ConfigMap> ConfigCipher::Seal(const std::string& app, const ConfigMap& plain) const {
  ConfigMap out;
  for (const auto& [name, value] : plain) {
    AETHER_ASSIGN_OR_RETURN(out[name], crypto::Seal(key_, app + "/" + name, value));
  }
  return out;
}

Result<ConfigMap> ConfigCipher::Open(const std::string& app, const ConfigMap& sealed) const {
  ConfigMap out;
  for (const auto& [name, value] : sealed) {
    auto plain = crypto::Unseal(key_, app + "/" + name, value);
    if (!plain.ok()) {
      return Internal("config var " + name + " of app '" + app + "' cannot be opened: " +
                      plain.status().message() + " (was AETHER_CONFIG_KEY changed?)");
    }
    out[name] = std::move(plain).value();
  }
  return out;
}

}  // namespace aether
