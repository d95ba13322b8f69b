// MemoryStore: the in-memory MetadataStore fake for unit tests of the layers above the store.
// Owns plain containers; one mutex guards everything, so every method is thread-safe.
#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "aether/store/paging.h"
#include "aether/store/store.h"
#include "aether/store/store_errors.h"

namespace aether {
namespace {

// The metadata-only view that lists return.
ArtifactRecord Metadata(const ArtifactRecord& a) {
  ArtifactRecord out;
  out.digest = a.digest;
  out.app = a.app;
  out.size = a.size;
  out.created_at = a.created_at;
  return out;
}

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
    if (it == apps_.end()) return store_errors::AppNotFound(name);
    return it->second;
  }

  Result<Page<App>> ListApps(const PageRequest& request) override {
    std::lock_guard lock(mu_);
    int limit = paging::Limit(request);
    Page<App> page;
    for (auto it = apps_.upper_bound(request.after);
         it != apps_.end() && page.items.size() <= static_cast<size_t>(limit); ++it) {
      page.items.push_back(it->second);
    }
    if (paging::Trim(page.items, limit)) page.next = page.items.back().name;
    return page;
  }

  Status DeleteApp(std::string_view name) override {
    std::lock_guard lock(mu_);
    if (apps_.erase(std::string(name)) == 0) return store_errors::AppNotFound(name);
    std::erase_if(artifacts_, [&](const auto& kv) { return kv.second.record.app == name; });
    std::erase_if(events_,
                  [&](const auto& e) { return FindDeployment(e.deployment)->app == name; });
    std::erase_if(deployments_, [&](const Deployment& d) { return d.app == name; });
    std::erase_if(keys_, [&](const PublicKey& k) { return k.app == name; });
    return Status::Ok();
  }

  Status SetCurrentDeployment(std::string_view app, std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = apps_.find(std::string(app));
    if (it == apps_.end()) return store_errors::AppNotFound(app);
    it->second.current_deployment = std::string(id);
    return Status::Ok();
  }

  Status PutArtifact(const ArtifactRecord& a) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(a.app)) return store_errors::AppNotFound(a.app);
    auto [it, inserted] = artifacts_.try_emplace(ArtifactKey{a.app, a.digest});
    ArtifactRecord& have = it->second.record;
    if (inserted) {
      it->second.seq = ++artifact_seq_;
      have = a;
      return Status::Ok();
    }
    have.signature = a.signature;
    have.signed_by = a.signed_by;
    have.sbom = a.sbom;
    have.provenance = a.provenance;
    have.provenance_signed_by = a.provenance_signed_by;
    return Status::Ok();
  }

  Result<ArtifactRecord> GetArtifact(std::string_view app, std::string_view digest) override {
    std::lock_guard lock(mu_);
    auto it = artifacts_.find(ArtifactKey{app, digest});
    if (it == artifacts_.end()) return store_errors::ArtifactNotFound(app, digest);
    return it->second.record;
  }

  Result<ArtifactRecord> FindArtifact(std::string_view digest) override {
    std::lock_guard lock(mu_);
    for (const auto& [key, a] : artifacts_) {
      if (a.record.digest == digest) return a.record;
    }
    return NotFound("artifact " + std::string(digest) + " is not registered");
  }

  Result<Page<ArtifactRecord>> ListArtifacts(std::string_view app,
                                             const PageRequest& request) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(std::string(app))) return store_errors::AppNotFound(app);
    AETHER_ASSIGN_OR_RETURN(long long before, paging::NumericAfter(request, paging::kNoUpperBound));
    std::vector<const StoredArtifact*> kept = ArtifactsOf(app);
    std::erase_if(kept, [&](const StoredArtifact* a) { return a->seq >= before; });
    Page<ArtifactRecord> page;
    if (paging::Trim(kept, paging::Limit(request))) page.next = std::to_string(kept.back()->seq);
    for (const StoredArtifact* a : kept) page.items.push_back(Metadata(a->record));
    return page;
  }

  Result<ArtifactUsage> GetArtifactUsage(std::string_view app) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(std::string(app))) return store_errors::AppNotFound(app);
    ArtifactUsage usage;
    for (const StoredArtifact* a : ArtifactsOf(app)) {
      usage.bytes += a->record.size;
      ++usage.count;
    }
    return usage;
  }

  Result<std::vector<ArtifactRecord>> ListUnreferencedArtifacts(std::string_view app) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(std::string(app))) return store_errors::AppNotFound(app);
    std::vector<ArtifactRecord> out;
    for (const StoredArtifact* a : ArtifactsOf(app)) {
      if (!Referenced(a->record)) out.push_back(Metadata(a->record));
    }
    return out;
  }

  Status DeleteArtifact(std::string_view app, std::string_view digest) override {
    std::lock_guard lock(mu_);
    auto it = artifacts_.find(ArtifactKey{app, digest});
    if (it == artifacts_.end()) return store_errors::ArtifactNotFound(app, digest);
    if (Referenced(it->second.record)) {
      return store_errors::ArtifactInUse(app, digest);
    }
    artifacts_.erase(it);
    return Status::Ok();
  }

  Result<bool> LayerReferenced(std::string_view layer) override {
    std::lock_guard lock(mu_);
    return std::any_of(artifacts_.begin(), artifacts_.end(), [&](const auto& kv) {
      const auto& layers = kv.second.record.layers;
      return std::find(layers.begin(), layers.end(), layer) != layers.end();
    });
  }

  Status PutPublicKey(const PublicKey& key) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(key.app)) return store_errors::AppNotFound(key.app);
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
    if (!apps_.contains(std::string(app))) return store_errors::AppNotFound(app);
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
      if (k.active) k.deactivated_at = std::string(when);
      k.active = false;
      return k;
    }
    return store_errors::KeyNotFound(app, id);
  }

  Result<Deployment> CreateDeployment(const Deployment& d) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(d.app)) return store_errors::AppNotFound(d.app);
    if (FindDeployment(d.id) != nullptr) {
      return AlreadyExists("deployment '" + d.id + "' already exists");
    }
    Deployment stored = d;
    stored.version = 1;
    for (const Deployment& other : deployments_) {
      if (other.app == d.app) stored.version = other.version + 1;  // creation order
    }
    if (d.version > 0 && d.version != stored.version) {
      return store_errors::StaleRelease(d.app, d.version);
    }
    deployments_.push_back(stored);
    return stored;
  }

  Status UpdateDeployment(const Deployment& d) override {
    std::lock_guard lock(mu_);
    Deployment* have = FindDeployment(d.id);
    if (have == nullptr) return store_errors::DeploymentNotFound(d.id);
    have->status = d.status;
    have->reason = d.reason;
    have->url = d.url;
    have->phases = d.phases;
    have->updated_at = d.updated_at;
    return Status::Ok();
  }

  Result<Deployment> GetDeployment(std::string_view id) override {
    std::lock_guard lock(mu_);
    Deployment* d = FindDeployment(id);
    if (d == nullptr) return store_errors::DeploymentNotFound(id);
    return *d;
  }

  Result<Deployment> GetRelease(std::string_view app, long long version) override {
    std::lock_guard lock(mu_);
    for (const Deployment& d : deployments_) {
      if (d.app == app && d.version == version) return d;
    }
    return store_errors::ReleaseNotFound(app, version);
  }

  Result<Page<Deployment>> ListDeployments(std::string_view app,
                                           const PageRequest& request) override {
    std::lock_guard lock(mu_);
    if (!apps_.contains(std::string(app))) return store_errors::AppNotFound(app);
    AETHER_ASSIGN_OR_RETURN(long long before, paging::NumericAfter(request, paging::kNoUpperBound));
    int limit = paging::Limit(request);
    Page<Deployment> page;
    // Creation order is version order within an app.
    for (auto d = deployments_.rbegin();
         d != deployments_.rend() && page.items.size() <= static_cast<size_t>(limit); ++d) {
      if (d->app == app && d->version < before) page.items.push_back(*d);
    }
    if (paging::Trim(page.items, limit)) page.next = std::to_string(page.items.back().version);
    return page;
  }

  Result<std::vector<Deployment>> ListDeploymentsInStatus(std::string_view status) override {
    std::lock_guard lock(mu_);
    std::vector<Deployment> out;
    for (const Deployment& d : deployments_) {
      if (d.status == status) out.push_back(d);
    }
    return out;
  }

  Status AppendEvent(const DeploymentEvent& e) override {
    std::lock_guard lock(mu_);
    if (FindDeployment(e.deployment) == nullptr)
      return store_errors::DeploymentNotFound(e.deployment);
    DeploymentEvent copy = e;
    copy.seq = ++event_seq_;
    events_.push_back(copy);
    return Status::Ok();
  }

  Result<Page<DeploymentEvent>> ListEvents(std::string_view deployment,
                                           const PageRequest& request) override {
    std::lock_guard lock(mu_);
    if (FindDeployment(deployment) == nullptr) return store_errors::DeploymentNotFound(deployment);
    AETHER_ASSIGN_OR_RETURN(long long after, paging::NumericAfter(request, 0));
    int limit = paging::Limit(request);
    Page<DeploymentEvent> page;
    for (const auto& e : events_) {
      if (page.items.size() > static_cast<size_t>(limit)) break;
      if (e.deployment == deployment && e.seq > after) page.items.push_back(e);
    }
    if (paging::Trim(page.items, limit)) page.next = std::to_string(page.items.back().seq);
    return page;
  }

  Status PutToken(const TokenRecord& t) override {
    std::lock_guard lock(mu_);
    for (TokenRecord& have : tokens_) {
      if (have.hash == t.hash) {
        have.name = t.name;
        have.role = t.role;
        have.apps = t.apps;
        have.expires_at = t.expires_at;
        return Status::Ok();
      }
      if (have.id == t.id) return AlreadyExists("token id '" + t.id + "' is taken");
    }
    TokenRecord added = t;
    added.last_used_at = added.revoked_at = added.previous_hash = added.previous_until = "";
    tokens_.push_back(std::move(added));
    return Status::Ok();
  }

  Result<TokenRecord> FindTokenByHash(std::string_view hash) override {
    std::lock_guard lock(mu_);
    for (const TokenRecord& t : tokens_) {
      if (t.hash == hash || (!t.previous_hash.empty() && t.previous_hash == hash)) return t;
    }
    return NotFound("unknown token");
  }

  Result<TokenRecord> GetToken(std::string_view id) override {
    std::lock_guard lock(mu_);
    TokenRecord* t = TokenById(id);
    if (t == nullptr) return TokenNotFound(id);
    return *t;
  }

  Result<std::vector<TokenRecord>> ListTokens() override {
    std::lock_guard lock(mu_);
    std::vector<TokenRecord> out = tokens_;
    std::stable_sort(out.begin(), out.end(), [](const TokenRecord& a, const TokenRecord& b) {
      return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    return out;
  }

  Status UpdateToken(const TokenRecord& t, std::string_view expected_hash) override {
    std::lock_guard lock(mu_);
    TokenRecord* have = TokenById(t.id);
    if (have == nullptr) return TokenNotFound(t.id);
    if (have->hash != expected_hash) {
      return {ErrorCode::kConflict, "token '" + t.id + "' was changed concurrently; try again"};
    }
    have->hash = t.hash;
    have->previous_hash = t.previous_hash;
    have->previous_until = t.previous_until;
    have->revoked_at = t.revoked_at;
    have->expires_at = t.expires_at;
    return Status::Ok();
  }

  Status TouchToken(std::string_view id, std::string_view when) override {
    std::lock_guard lock(mu_);
    if (TokenRecord* t = TokenById(id)) t->last_used_at = when;
    return Status::Ok();
  }

  Result<long long> CountTokens(std::string_view role) override {
    std::lock_guard lock(mu_);
    return static_cast<long long>(std::count_if(tokens_.begin(), tokens_.end(), [&](const auto& t) {
      return t.role == role && t.revoked_at.empty();
    }));
  }

  Status AppendAudit(const AuditEvent& event) override {
    std::lock_guard lock(mu_);
    audit_.push_back(event);
    audit_.back().seq = ++audit_seq_;
    return Status::Ok();
  }

  Result<Page<AuditEvent>> ListAudit(const PageRequest& request) override {
    std::lock_guard lock(mu_);
    AETHER_ASSIGN_OR_RETURN(long long before, paging::NumericAfter(request, paging::kNoUpperBound));
    int limit = paging::Limit(request);
    Page<AuditEvent> page;
    for (auto it = audit_.rbegin(); it != audit_.rend(); ++it) {
      if (page.items.size() > static_cast<size_t>(limit)) break;
      if (it->seq < before) page.items.push_back(*it);
    }
    if (paging::Trim(page.items, limit)) page.next = std::to_string(page.items.back().seq);
    return page;
  }

  Result<long long> PurgeAudit(std::string_view before) override {
    std::lock_guard lock(mu_);
    auto old = std::remove_if(audit_.begin(), audit_.end(),
                              [&](const AuditEvent& e) { return e.time < before; });
    auto purged = static_cast<long long>(audit_.end() - old);
    audit_.erase(old, audit_.end());
    return purged;
  }

  Status InsertIdempotency(const IdempotencyRecord& record) override {
    std::lock_guard lock(mu_);
    if (!idempotency_.emplace(record.key, record).second) {
      return AlreadyExists("idempotency key '" + record.key + "' is taken");
    }
    return Status::Ok();
  }

  Result<IdempotencyRecord> GetIdempotency(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = idempotency_.find(std::string(key));
    if (it == idempotency_.end()) return store_errors::IdempotencyNotFound(key);
    return it->second;
  }

  Status CompleteIdempotency(std::string_view key, int status, std::string_view response) override {
    std::lock_guard lock(mu_);
    auto it = idempotency_.find(std::string(key));
    if (it == idempotency_.end()) return store_errors::IdempotencyNotFound(key);
    it->second.status = status;
    it->second.response = std::string(response);
    return Status::Ok();
  }

  Status DeleteIdempotency(std::string_view key) override {
    std::lock_guard lock(mu_);
    idempotency_.erase(std::string(key));
    return Status::Ok();
  }

  Result<long long> PurgeIdempotency(std::string_view before) override {
    std::lock_guard lock(mu_);
    return static_cast<long long>(
        std::erase_if(idempotency_, [&](const auto& kv) { return kv.second.created_at < before; }));
  }

  Result<StoreStats> Stats() override {
    std::lock_guard lock(mu_);
    StoreStats stats;
    stats.apps = static_cast<long long>(apps_.size());
    stats.artifacts = static_cast<long long>(artifacts_.size());
    for (const auto& [key, a] : artifacts_) stats.artifact_bytes += a.record.size;
    for (const auto& [name, app] : apps_) {
      const Deployment* d = FindDeployment(app.current_deployment);
      if (d != nullptr && d->status == "running") ++stats.running_releases;
    }
    return stats;
  }

 private:
  using ArtifactKey = std::pair<std::string, std::string>;  // app, digest
  struct StoredArtifact {
    long long seq = 0;  // registration order
    ArtifactRecord record;
  };

  // The app's artifacts, newest registration first.
  std::vector<const StoredArtifact*> ArtifactsOf(std::string_view app) const {
    std::vector<const StoredArtifact*> out;
    for (const auto& [key, a] : artifacts_) {
      if (a.record.app == app) out.push_back(&a);
    }
    std::sort(out.begin(), out.end(), [](auto* x, auto* y) { return x->seq > y->seq; });
    return out;
  }

  Deployment* FindDeployment(std::string_view id) {
    auto it = std::find_if(deployments_.begin(), deployments_.end(),
                           [&](const Deployment& d) { return d.id == id; });
    return it == deployments_.end() ? nullptr : &*it;
  }

  bool Referenced(const ArtifactRecord& a) const {
    return std::any_of(deployments_.begin(), deployments_.end(), [&](const Deployment& d) {
      return d.app == a.app && d.artifact == a.digest;
    });
  }

  std::mutex mu_;
  std::map<std::string, App> apps_;
  std::map<ArtifactKey, StoredArtifact, std::less<>> artifacts_;
  long long artifact_seq_ = 0;
  std::vector<Deployment> deployments_;  // in creation order
  TokenRecord* TokenById(std::string_view id) {
    for (TokenRecord& t : tokens_) {
      if (t.id == id) return &t;
    }
    return nullptr;
  }
  static Status TokenNotFound(std::string_view id) {
    return NotFound("token '" + std::string(id) + "' not found");
  }

  std::vector<TokenRecord> tokens_;
  std::vector<AuditEvent> audit_;
  long long audit_seq_ = 0;
  std::vector<PublicKey> keys_;  // in registration order
  std::vector<DeploymentEvent> events_;
  long long event_seq_ = 0;
  std::map<std::string, IdempotencyRecord> idempotency_;
};

}  // namespace

std::unique_ptr<MetadataStore> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace aether
