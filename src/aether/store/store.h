// MetadataStore: the control plane's durable records (apps, artifacts, public keys,
// releases/deployments and their events, tokens, idempotency keys).
// Implementations: MemoryStore (fake, beside this file), store/sqlite (embedded default),
// store/postgres (DATABASE_URL). The SQL stores apply versioned migrations when opened.
// Implementations are thread-safe: every method may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Cheap liveness probe for /readyz; kUnavailable when the database cannot be reached (every
  // method answers kUnavailable then, and recovers by itself when the database is back).
  virtual Status Ping() = 0;

  virtual Status CreateApp(const App& app) = 0;  // kAlreadyExists if the name is taken
  virtual Result<App> GetApp(std::string_view name) = 0;
  // Sorted by name; the page key is the name.
  virtual Result<Page<App>> ListApps(const PageRequest& page) = 0;
  // Removes the app with its artifacts, releases, events and keys in one transaction.
  virtual Status DeleteApp(std::string_view name) = 0;
  virtual Status SetCurrentDeployment(std::string_view app, std::string_view deployment_id) = 0;

  // Registering the same digest for the same app again keeps the first record's manifest,
  // layers and time, and replaces its evidence (signature, SBOM, provenance) with the new one.
  virtual Status PutArtifact(const ArtifactRecord& artifact) = 0;
  // The whole record, layers included (in no guaranteed order).
  virtual Result<ArtifactRecord> GetArtifact(std::string_view app, std::string_view digest) = 0;
  // By digest alone (a manifest names its app, so a digest belongs to one app).
  virtual Result<ArtifactRecord> FindArtifact(std::string_view digest) = 0;
  // Newest registration first (a re-registration keeps its place). Items carry no manifest,
  // evidence or layers (metadata only). kNotFound for an unknown app, as for the two below.
  virtual Result<Page<ArtifactRecord>> ListArtifacts(std::string_view app,
                                                     const PageRequest& page) = 0;
  virtual Result<ArtifactUsage> GetArtifactUsage(std::string_view app) = 0;
  // The app's artifacts that no release (deployment) refers to, newest first, metadata only.
  virtual Result<std::vector<ArtifactRecord>> ListUnreferencedArtifacts(std::string_view app) = 0;
  // kNotFound if absent; kConflict (nothing deleted) if a release refers to it.
  virtual Status DeleteArtifact(std::string_view app, std::string_view digest) = 0;
  // Whether any artifact of any app names this layer digest.
  virtual Result<bool> LayerReferenced(std::string_view layer_digest) = 0;

  virtual Status PutPublicKey(const PublicKey& key) = 0;  // kAlreadyExists for (app, id)
  virtual Result<std::vector<PublicKey>> ListPublicKeys(std::string_view app) = 0;  // by time
  // Marks a key inactive at `when`; kNotFound for an unknown key. Idempotent.
  virtual Result<PublicKey> DeactivatePublicKey(std::string_view app, std::string_view id,
                                                std::string_view when) = 0;

  // Stores a new release and returns it with its version: one more than the app's newest, in
  // the same transaction (concurrent creates never share a version; a recreated app starts
  // again at 1). kNotFound for no app, kAlreadyExists for a duplicate id. A non-zero
  // `d.version` is what the caller expects the next version to be (optimistic concurrency):
  // when another release got it first, kConflict and nothing is written.
  virtual Result<Deployment> CreateDeployment(const Deployment& d) = 0;
  // Updates status, reason, url, phases and updated_at (nothing else); kNotFound if it
  // vanished.
  virtual Status UpdateDeployment(const Deployment& d) = 0;
  virtual Result<Deployment> GetDeployment(std::string_view id) = 0;
  virtual Result<Deployment> GetRelease(std::string_view app, long long version) = 0;
  // Newest (highest version) first; the page key is the version in decimal.
  virtual Result<Page<Deployment>> ListDeployments(std::string_view app,
                                                   const PageRequest& page) = 0;
  // Every app's deployments in one status (e.g. "deploying" after a crash), oldest first.
  virtual Result<std::vector<Deployment>> ListDeploymentsInStatus(std::string_view status) = 0;
  // Appends an event (its seq is assigned); kNotFound if the deployment does not exist.
  virtual Status AppendEvent(const DeploymentEvent& event) = 0;
  // Oldest first; the page key is the seq in decimal. kNotFound for an unknown deployment.
  virtual Result<Page<DeploymentEvent>> ListEvents(std::string_view deployment,
                                                   const PageRequest& page) = 0;

  // Tokens. Adds `token`, or, when its hash is already stored, updates that token's name,
  // role, apps and expiry (so seeding at every start is idempotent; revocation is kept).
  virtual Status PutToken(const TokenRecord& token) = 0;
  // The token whose current or previous (rotated-out) secret has this hash; kNotFound.
  virtual Result<TokenRecord> FindTokenByHash(std::string_view hash) = 0;
  virtual Result<TokenRecord> GetToken(std::string_view id) = 0;  // kNotFound
  virtual Result<std::vector<TokenRecord>> ListTokens() = 0;      // oldest first
  // Replaces hash, previous_hash, previous_until, revoked_at and expires_at of token `t.id`,
  // only if its hash is still `expected_hash` (kConflict otherwise: a concurrent rotation);
  // kNotFound for an unknown id.
  virtual Status UpdateToken(const TokenRecord& t, std::string_view expected_hash) = 0;
  virtual Status TouchToken(std::string_view id, std::string_view when) = 0;  // last_used_at
  // Tokens with this role that are not revoked.
  virtual Result<long long> CountTokens(std::string_view role) = 0;

  // The audit trail. Append assigns the seq; List is newest first, the page key is the seq.
  virtual Status AppendAudit(const AuditEvent& event) = 0;
  virtual Result<Page<AuditEvent>> ListAudit(const PageRequest& page) = 0;
  // Deletes events strictly before `before` (RFC 3339 UTC); returns how many.
  virtual Result<long long> PurgeAudit(std::string_view before) = 0;

  // Idempotency keys. Insert is atomic: kAlreadyExists (nothing written) if the key is taken.
  virtual Status InsertIdempotency(const IdempotencyRecord& record) = 0;
  virtual Result<IdempotencyRecord> GetIdempotency(std::string_view key) = 0;  // kNotFound
  // Records the first answer (status and body) for the key; kNotFound if absent.
  virtual Status CompleteIdempotency(std::string_view key, int status,
                                     std::string_view response) = 0;
  virtual Status DeleteIdempotency(std::string_view key) = 0;  // Ok if absent
  // Deletes records created strictly before `before` (RFC 3339 UTC, "…Z"); returns how many.
  // Idempotency records are not tied to apps: DeleteApp leaves them.
  virtual Result<long long> PurgeIdempotency(std::string_view before) = 0;

  virtual Result<StoreStats> Stats() = 0;
};

// The in-memory fake, for unit tests of the code above the store.
std::unique_ptr<MetadataStore> NewMemoryStore();

}  // namespace aether
