// `aether keys generate|register|list|deactivate`: the Ed25519 keys that sign artifacts.
#include <nlohmann/json.hpp>

#include "aether/cli/handlers.h"
#include "aether/cli/handlers_common.h"
#include "aether/cli/keys.h"
#include "aether/wire/wire.h"

namespace aether::cli {
namespace {

using nlohmann::json;

// The server's form without the PEM: the id says which key it is.
json KeyJson(const PublicKey& k) {
  json j = wire::PublicKeyJson(k);
  j.erase("public_key");
  return j;
}

}  // namespace

Outcome KeysGenerate(Context& ctx, const KeysOptions& options) {
  std::string path = options.key.empty() ? DefaultKeyPath() : options.key;
  auto files = GenerateKeyFiles(path, options.force);
  if (!files.ok()) return LocalFailure(files.status());
  Output& out = ctx.out;
  if (out.json()) {
    out.Json({{"private_key", files->private_path},
              {"public_key", files->public_path},
              {"id", files->keyid}});
    return Outcome::Ok();
  }
  out.Line("Created an Ed25519 key pair " + out.Bold(files->keyid));
  out.Line("  private: " + files->private_path + " (mode 0600: keep it secret)");
  out.Line("  public:  " + files->public_path);
  out.Line("Next: `aether keys register --app APP`, then deploy with `--sign-key " +
           files->private_path + "` or AETHER_SIGNING_KEY");
  return Outcome::Ok();
}

Outcome KeysRegister(Context& ctx, const KeysOptions& options) {
  std::string path = options.key;
  if (path.empty()) path = SigningKeyPath("");
  if (path.empty()) path = DefaultKeyPath() + ".pub";
  auto pem = LoadPublicKey(path);
  if (!pem.ok()) return LocalFailure(pem.status());
  std::string app;
  if (Outcome o = ResolveAppName(options.app, "", &app); !o.ok()) return o;
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto key = s->api->RegisterPublicKey(app, *pem, options.name);
  if (!key.ok()) return ServerFailure(key.status());
  if (ctx.out.json()) {
    ctx.out.Json(KeyJson(*key));
  } else {
    ctx.out.Line("Registered key " + ctx.out.Bold(key->id) + " for " + app +
                 ": its signatures now verify");
  }
  return Outcome::Ok();
}

Outcome KeysList(Context& ctx, const KeysOptions& options) {
  std::string app;
  if (Outcome o = ResolveAppName(options.app, "", &app); !o.ok()) return o;
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto keys = s->api->ListPublicKeys(app);
  if (!keys.ok()) return ServerFailure(keys.status());
  Output& out = ctx.out;
  if (out.json()) {
    json list = json::array();
    for (const auto& k : *keys) list.push_back(KeyJson(k));
    out.Json({{"app", app}, {"keys", list}});
    return Outcome::Ok();
  }
  if (keys->empty()) {
    out.Line("no keys registered for " + app + ": run `aether keys register`");
    return Outcome::Ok();
  }
  out.Line(out.Bold(Pad("ID", 74) + Pad("STATUS", 10) + Pad("NAME", 16) + "CREATED"));
  for (const auto& k : *keys) {
    std::string status = k.active ? "active" : "inactive";
    out.Line(Pad(k.id, 74) + (k.active ? out.Green(Pad(status, 10)) : out.Dim(Pad(status, 10))) +
             Pad(k.name, 16) + k.created_at);
  }
  return Outcome::Ok();
}

Outcome KeysDeactivate(Context& ctx, const KeysOptions& options, const std::string& id) {
  std::string app;
  if (Outcome o = ResolveAppName(options.app, "", &app); !o.ok()) return o;
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto key = s->api->DeactivatePublicKey(app, id);
  if (!key.ok()) return ServerFailure(key.status());
  if (ctx.out.json()) {
    ctx.out.Json(KeyJson(*key));
  } else {
    ctx.out.Line("Deactivated key " + key->id + " of " + app +
                 ": new artifacts signed with it are refused");
  }
  return Outcome::Ok();
}

}  // namespace aether::cli
