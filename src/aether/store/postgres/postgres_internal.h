// Internals of the PostgreSQL store shared by its .cc files and its tests: the store class
// (thread-safe: every call borrows a pooled connection), the schema migrations and a test-only
// opener that applies another migration list. Not for use outside store/postgres.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aether/store/migration.h"
#include "aether/store/paging.h"
#include "aether/store/postgres/pool.h"
#include "aether/store/postgres/postgres_store.h"
#include "aether/store/store_errors.h"

namespace aether {
namespace pg {

// The schema, version 1, 2, … (postgres_migrations.cc).
std::span<const Migration> Migrations();

// Brings the database up to the newest of `migrations`: each missing one runs in its own
// transaction under a cluster-wide advisory lock and is recorded in schema_migrations. A
// schema newer than `migrations` know is refused (kFailedPrecondition).
Status Migrate(Conn& conn, std::span<const Migration> migrations);

}  // namespace pg

// OpenPostgresStore with another migration list (tests: a deliberately broken migration).
Result<std::unique_ptr<MetadataStore>> OpenPostgresStoreForTest(
    const PostgresOptions& options, std::span<const Migration> migrations);

class PostgresStore final : public MetadataStore {
 public:
  explicit PostgresStore(const PostgresOptions& options)
      : pool_(options.url, options.pool_size, options.connect_timeout) {}

  Status Ping() override;

  // Apps, artifacts and keys (postgres_store.cc).
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

  // Releases, events, tokens, idempotency and stats (postgres_releases.cc).
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

  pg::Pool& pool() { return pool_; }

 private:
  // One statement on a pooled connection.
  Result<pg::Rows> Run(const std::string& sql, const std::vector<pg::Param>& params = {});
  Status RequireApp(pg::Conn& conn, std::string_view app);

  pg::Pool pool_;
};

// Every row, read by `read(rows, i)`.
template <typename T, typename Read>
std::vector<T> ToVector(const pg::Rows& rows, Read read) {
  std::vector<T> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(read(rows, i));
  return out;
}

// A page from rows fetched with LIMIT limit + 1 (limit from paging::Limit): the extra row only
// says there is more, and the key of the last item kept (column `key_col`) is the next `after`.
template <typename T, typename Read>
Page<T> ToPage(const pg::Rows& rows, int limit, int key_col, Read read) {
  Page<T> page;
  for (int i = 0; i < rows.size() && i < limit; ++i) page.items.push_back(read(rows, i));
  if (rows.size() > limit) page.next = rows.Text(limit - 1, key_col);
  return page;
}

}  // namespace aether
