// SqliteStore: the SQLite MetadataStore, declared here so its methods can live in several
// files (sqlite_store.cc: apps, keys, tokens, idempotency, stats; sqlite_artifacts.cc;
// sqlite_releases.cc). Owns one connection; mu_ guards it, so every method is thread-safe.
#pragma once

#include <sqlite3.h>

#include <mutex>

#include "aether/store/store.h"

namespace aether::sqlite {

class SqliteStore final : public MetadataStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status Ping() override;

  Status CreateApp(const App& app) override;
  Result<App> GetApp(std::string_view name) override;
  Result<Page<App>> ListApps(const PageRequest& page) override;
  Status DeleteApp(std::string_view name) override;
  Status SetCurrentDeployment(std::string_view app, std::string_view deployment_id) override;

  Status PutArtifact(const ArtifactRecord& artifact) override;
  Result<ArtifactRecord> GetArtifact(std::string_view app, std::string_view digest) override;
  Result<ArtifactRecord> FindArtifact(std::string_view digest) override;
  Result<Page<ArtifactRecord>> ListArtifacts(std::string_view app,
                                             const PageRequest& page) override;
  Result<ArtifactUsage> GetArtifactUsage(std::string_view app) override;
  Result<std::vector<ArtifactRecord>> ListUnreferencedArtifacts(std::string_view app) override;
  Status DeleteArtifact(std::string_view app, std::string_view digest) override;
  Result<bool> LayerReferenced(std::string_view layer_digest) override;

  Status PutPublicKey(const PublicKey& key) override;
  Result<std::vector<PublicKey>> ListPublicKeys(std::string_view app) override;
  Result<PublicKey> DeactivatePublicKey(std::string_view app, std::string_view id,
                                        std::string_view when) override;

  Result<Deployment> CreateDeployment(const Deployment& d) override;
  Status UpdateDeployment(const Deployment& d) override;
  Result<Deployment> GetDeployment(std::string_view id) override;
  Result<Deployment> GetRelease(std::string_view app, long long version) override;
  Result<Page<Deployment>> ListDeployments(std::string_view app, const PageRequest& page) override;
  Result<std::vector<Deployment>> ListDeploymentsInStatus(std::string_view status) override;
  Status AppendEvent(const DeploymentEvent& event) override;
  Result<Page<DeploymentEvent>> ListEvents(std::string_view deployment,
                                           const PageRequest& page) override;

  Status PutToken(const TokenRecord& token) override;
  Result<TokenRecord> FindTokenByHash(std::string_view hash) override;
  Result<TokenRecord> GetToken(std::string_view id) override;
  Result<std::vector<TokenRecord>> ListTokens() override;
  Status UpdateToken(const TokenRecord& t, std::string_view expected_hash) override;
  Status TouchToken(std::string_view id, std::string_view when) override;
  Result<long long> CountTokens(std::string_view role) override;
  Status AppendAudit(const AuditEvent& event) override;
  Result<Page<AuditEvent>> ListAudit(const PageRequest& page) override;
  Result<long long> PurgeAudit(std::string_view before) override;

  Status InsertIdempotency(const IdempotencyRecord& record) override;
  Result<IdempotencyRecord> GetIdempotency(std::string_view key) override;
  Status CompleteIdempotency(std::string_view key, int status, std::string_view response) override;
  Status DeleteIdempotency(std::string_view key) override;
  Result<long long> PurgeIdempotency(std::string_view before) override;

  Result<StoreStats> Stats() override;

 private:
  // kNotFound unless the app exists. Callers hold mu_.
  Status RequireApp(std::string_view app);
  // `a` with its layer digests filled in. Callers hold mu_.
  Result<ArtifactRecord> WithLayers(ArtifactRecord a);
  // Runs a SELECT of kDeploymentColumns and reads every row. Callers hold mu_.
  template <typename... Args>
  Result<std::vector<Deployment>> SelectDeployments(const std::string& rest, const Args&... args);

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace aether::sqlite
