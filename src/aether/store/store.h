// MetadataStore: the control plane's durable records (apps, artifacts, public keys,
// deployments, tokens).
// Implementations: MemoryStore (fake, beside this file), store/sqlite (embedded default).
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

  // Cheap liveness probe for /readyz.
  virtual Status Ping() = 0;

  virtual Status CreateApp(const App& app) = 0;  // kAlreadyExists if the name is taken
  virtual Result<App> GetApp(std::string_view name) = 0;
  virtual Result<std::vector<App>> ListApps() = 0;  // sorted by name
  // Removes the app with its artifacts and deployments in one transaction.
  virtual Status DeleteApp(std::string_view name) = 0;
  virtual Status SetCurrentDeployment(std::string_view app, std::string_view deployment_id) = 0;

  // Registering the same digest for the same app again keeps the first record's manifest
  // and time, and replaces its evidence (signature, SBOM, provenance) with the new one.
  virtual Status PutArtifact(const ArtifactRecord& artifact) = 0;
  virtual Result<ArtifactRecord> GetArtifact(std::string_view app, std::string_view digest) = 0;
  // By digest alone (a manifest names its app, so a digest belongs to one app).
  virtual Result<ArtifactRecord> FindArtifact(std::string_view digest) = 0;

  virtual Status PutPublicKey(const PublicKey& key) = 0;  // kAlreadyExists for (app, id)
  virtual Result<std::vector<PublicKey>> ListPublicKeys(std::string_view app) = 0;  // by time
  // Marks a key inactive at `when`; kNotFound for an unknown key. Idempotent.
  virtual Result<PublicKey> DeactivatePublicKey(std::string_view app, std::string_view id,
                                                std::string_view when) = 0;

  virtual Status CreateDeployment(const Deployment& d) = 0;
  virtual Status UpdateDeployment(const Deployment& d) = 0;  // kNotFound if it vanished
  virtual Result<Deployment> GetDeployment(std::string_view id) = 0;
  virtual Result<std::vector<Deployment>> ListDeployments(
      std::string_view app) = 0;  // newest first
  // Appends an event (its seq is assigned); kNotFound if the deployment does not exist.
  virtual Status AppendEvent(const DeploymentEvent& event) = 0;
  virtual Result<std::vector<DeploymentEvent>> ListEvents(std::string_view deployment) = 0;

  virtual Status PutToken(const TokenRecord& token) = 0;
  virtual Result<TokenRecord> FindTokenByHash(std::string_view hash) = 0;
  virtual Result<long long> CountTokens(std::string_view role) = 0;
};

// The in-memory fake, for unit tests of the code above the store.
std::unique_ptr<MetadataStore> NewMemoryStore();

}  // namespace aether
