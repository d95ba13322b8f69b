// KeyService: validation and key ids over the store's public_keys records.
#include "aether/service/keys.h"

#include "aether/core/names.h"
#include "aether/crypto/ed25519.h"

namespace aether {

Result<PublicKey> KeyService::Register(const std::string& app, const std::string& pem,
                                       const std::string& name) {
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  if (pem.find("PRIVATE KEY") != std::string::npos) {
    return InvalidArgument(
        "that is a private key: send the public key (.pub), and keep the private key secret");
  }
  if (name.size() > 200) return InvalidArgument("key name is longer than 200 characters");
  auto id = crypto::Ed25519KeyId(pem);
  if (!id.ok()) {
    return InvalidArgument("not an Ed25519 public key in PEM form: " + id.status().message());
  }
  PublicKey key{*id, app, name, pem, true, NowRfc3339(), ""};
  AETHER_RETURN_IF_ERROR(store_.PutPublicKey(key));
  return key;
}

Result<std::vector<PublicKey>> KeyService::List(const std::string& app) {
  return store_.ListPublicKeys(app);
}

Result<PublicKey> KeyService::Deactivate(const std::string& app, const std::string& id) {
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  return store_.DeactivatePublicKey(app, id, NowRfc3339());
}

}  // namespace aether
