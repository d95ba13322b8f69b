// KeyService: validation and key ids over the store's public_keys records.
#include "aether/service/keys.h"

#include "aether/core/names.h"
#include "aether/crypto/ed25519.h"

namespace aether {

Status ValidateKeyName(std::string_view name) {
  if (name.size() > 200) return InvalidArgument("key name is longer than 200 characters");
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("key name must not hold control characters");
    }
  }
  return Status::Ok();
}

Status ValidateKeyId(std::string_view id) {
  constexpr std::string_view kPrefix = "sha256:";
  bool ok = id.size() == kPrefix.size() + 64 && id.starts_with(kPrefix);
  for (size_t i = kPrefix.size(); ok && i < id.size(); ++i) {
    ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');
  }
  if (!ok) {
    return InvalidArgument("invalid key id '" + std::string(id.substr(0, 80)) +
                           "': expected sha256: and 64 lowercase hex digits");
  }
  return Status::Ok();
}

Result<PublicKey> KeyService::Register(const std::string& app, const std::string& pem,
                                       const std::string& name) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  AETHER_RETURN_IF_ERROR(ValidateKeyName(name));
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  if (pem.find("PRIVATE KEY") != std::string::npos) {
    return InvalidArgument(
        "that is a private key: send the public key (.pub), and keep the private key secret");
  }
  auto id = crypto::Ed25519KeyId(pem);
  if (!id.ok()) {
    return InvalidArgument("not an Ed25519 public key in PEM form: " + id.status().message());
  }
  PublicKey key{*id, app, name, pem, true, NowRfc3339(), ""};
  AETHER_RETURN_IF_ERROR(store_.PutPublicKey(key));
  return key;
}

Result<std::vector<PublicKey>> KeyService::List(const std::string& app) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return store_.ListPublicKeys(app);
}

Result<PublicKey> KeyService::Deactivate(const std::string& app, const std::string& id) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  AETHER_RETURN_IF_ERROR(ValidateKeyId(id));
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  return store_.DeactivatePublicKey(app, id, NowRfc3339());
}

}  // namespace aether
