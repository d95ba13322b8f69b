// MemoryStore: the in-memory MetadataStore fake. One mutex guards everything.
#include <algorithm>
#include <map>
#include <mutex>

#include "aether/store/store.h"

namespace aether {
namespace {

class MemoryStore final : public MetadataStore {
 public:
  Status Ping() override { return Status::Ok(); }

  Status CreateApp(const App& app) override {
    std::lock_guard lock(mu_);
    if (!apps_.emplace(app.name, app).second) {
      return AlreadyExists("app '" + app.name + "' already exists");
    }
    return Status::Ok();
  }

  Result<App> GetApp(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto it = apps_.find(std::string(name));
    if (it == apps_.end()) return AppNotFound(name);
    return it->second;
  }

  Result<std::vector<App>> ListApps() override {
    std::lock_guard lock(mu_);
    std::vector<App> out;
    for (const auto& [_, app] : apps_) out.push_back(app);
    return out;
  }

  Status DeleteApp(std::string_view name) override {
    std::lock_guard lock(mu_);
    if (apps_.erase(std::string(name)) == 0) return AppNotFound(name);
    std::erase_if(artifacts_, [&](const auto& kv) { return kv.second.app == name; });
    std::erase_if(events_, [&](const DeploymentEvent& e) {
      auto d = deployments_.find(e.deployment);
      return d != deployments_.end() && d->second.app == name;
    });
    std::erase_if(deployments_, [&](const auto& kv) { return kv.second.app == name; });
    std::erase_if(keys_, [&](const PublicKey& k) { return k.app == name; });
    return Status::Ok();
  }

  Status SetCurrentDeployment(std::string_view app, std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = apps_.find(std::string(app));
    if (it == apps_.end()) return AppNotFound(app);
    it->second.current_deployment = std::string(id);
    return Status::Ok();
  }

  Status PutArtifact(const ArtifactRecord& a) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(a.app)) return AppNotFound(a.app);
    auto [it, inserted] = artifacts_.emplace(a.app + "/" + a.digest, a);
    if (!inserted) {
      ArtifactRecord& have = it->second;
      have.signature = a.signature;
      have.signed_by = a.signed_by;
      have.sbom = a.sbom;
      have.provenance = a.provenance;
      have.provenance_signed_by = a.provenance_signed_by;
    }
    return Status::Ok();
  }

  Result<ArtifactRecord> FindArtifact(std::string_view digest) override {
    std::lock_guard lock(mu_);
    for (const auto& [key, a] : artifacts_) {
      if (a.digest == digest) return a;
    }
    return NotFound("artifact " + std::string(digest) + " is not registered");
  }

  Status PutPublicKey(const PublicKey& key) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(key.app)) return AppNotFound(key.app);
    for (const auto& k : keys_) {
      if (k.app == key.app && k.id == key.id) {
        return AlreadyExists("key " + key.id + " is already registered for app '" + key.app + "'");
      }
    }
    keys_.push_back(key);
    return Status::Ok();
  }

  Result<std::vector<PublicKey>> ListPublicKeys(std::string_view app) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(std::string(app))) return AppNotFound(app);
    std::vector<PublicKey> out;
    for (const auto& k : keys_) {
      if (k.app == app) out.push_back(k);
    }
    return out;
  }

  Result<PublicKey> DeactivatePublicKey(std::string_view app, std::string_view id,
                                        std::string_view when) override {
    std::lock_guard lock(mu_);
    for (auto& k : keys_) {
      if (k.app != app || k.id != id) continue;
      if (k.active) {
        k.active = false;
        k.deactivated_at = std::string(when);
      }
      return k;
    }
    return KeyNotFound(app, id);
  }

  Result<ArtifactRecord> GetArtifact(std::string_view app, std::string_view digest) override {
    std::lock_guard lock(mu_);
    auto it = artifacts_.find(std::string(app) + "/" + std::string(digest));
    if (it == artifacts_.end()) {
      return NotFound("artifact " + std::string(digest) + " is not registered for app '" +
                      std::string(app) + "'");
    }
    return it->second;
  }

  Status CreateDeployment(const Deployment& d) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(d.app)) return AppNotFound(d.app);
    d_order_.push_back(d.id);
    deployments_[d.id] = d;
    return Status::Ok();
  }

  Status UpdateDeployment(const Deployment& d) override {
    std::lock_guard lock(mu_);
    auto it = deployments_.find(d.id);
    if (it == deployments_.end()) return NotFound("deployment '" + d.id + "' not found");
    it->second = d;
    return Status::Ok();
  }

  Result<Deployment> GetDeployment(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = deployments_.find(std::string(id));
    if (it == deployments_.end()) return NotFound("deployment '" + std::string(id) + "' not found");
    return it->second;
  }

  Result<std::vector<Deployment>> ListDeployments(std::string_view app) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(std::string(app))) return AppNotFound(app);
    std::vector<Deployment> out;
    for (auto it = d_order_.rbegin(); it != d_order_.rend(); ++it) {
      auto d = deployments_.find(*it);
      if (d != deployments_.end() && d->second.app == app) out.push_back(d->second);
    }
    return out;
  }

  Status AppendEvent(const DeploymentEvent& e) override {
    std::lock_guard lock(mu_);
    if (!deployments_.contains(e.deployment)) {
      return NotFound("deployment '" + e.deployment + "' not found");
    }
    DeploymentEvent copy = e;
    copy.seq = static_cast<long long>(events_.size()) + 1;
    events_.push_back(copy);
    return Status::Ok();
  }

  Result<std::vector<DeploymentEvent>> ListEvents(std::string_view deployment) override {
    std::lock_guard lock(mu_);
    if (!deployments_.contains(std::string(deployment))) {
      return NotFound("deployment '" + std::string(deployment) + "' not found");
    }
    std::vector<DeploymentEvent> out;
    for (const auto& e : events_) {
      if (e.deployment == deployment) out.push_back(e);
    }
    return out;
  }

  Status PutToken(const TokenRecord& t) override {
    std::lock_guard lock(mu_);
    tokens_[t.hash] = t;
    return Status::Ok();
  }

  Result<TokenRecord> FindTokenByHash(std::string_view hash) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(std::string(hash));
    if (it == tokens_.end()) return NotFound("unknown token");
    return it->second;
  }

  Result<long long> CountTokens(std::string_view role) override {
    std::lock_guard lock(mu_);
    return static_cast<long long>(std::count_if(
        tokens_.begin(), tokens_.end(), [&](const auto& kv) { return kv.second.role == role; }));
  }

 private:
  static Status AppNotFound(std::string_view name) {
    return NotFound("app '" + std::string(name) + "' not found");
  }
  static Status KeyNotFound(std::string_view app, std::string_view id) {
    return NotFound("key " + std::string(id) + " is not registered for app '" + std::string(app) +
                    "'");
  }

  std::mutex mu_;
  std::map<std::string, App> apps_;
  std::map<std::string, ArtifactRecord> artifacts_;
  std::map<std::string, Deployment> deployments_;
  std::vector<std::string> d_order_;
  std::map<std::string, TokenRecord> tokens_;
  std::vector<PublicKey> keys_;  // in registration order
  std::vector<DeploymentEvent> events_;
};

}  // namespace

std::unique_ptr<MetadataStore> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace aether
