// ReleaseService: the app lifecycle as releases (Heroku's model). Deploying an artifact,
// changing config vars, scaling and rolling back each append a numbered release that carries
// the artifact, the (sealed) config and the instance count, and hand it to the DeployService to
// roll out. Changes to one app are serialised in this process, and each new release expects
// to be the next version, so a change racing another aetherd on the same database is re-read
// and applied on top rather than lost. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "aether/core/keyed_mutex.h"
#include "aether/service/config_vars.h"
#include "aether/service/deployments.h"
#include "aether/store/store.h"

namespace aether {

// name → new value, or nullopt to unset.
using ConfigChanges = std::map<std::string, std::optional<std::string>>;

class ReleaseService {
 public:
  // `allow_dev_hot` false (aetherd --dev-hot off) refuses "dev-hot" deploys.
  ReleaseService(MetadataStore& store, DeployService& deploys, const ConfigCipher& cipher,
                 bool allow_dev_hot = true)
      : store_(store), deploys_(deploys), cipher_(cipher), allow_dev_hot_(allow_dev_hot) {}

  // A release of `artifact` (registered for the app) with the current config and scale;
  // `config` holds vars to set along with it; `strategy` is "rolling" or "dev-hot" (later
  // config, scale and rollback releases keep it).
  Result<Deployment> Deploy(const std::string& app, const std::string& artifact,
                            const ConfigMap& config = {}, const std::string& strategy = "rolling");
  // A release with the changes applied to the current config (running the current artifact,
  // or only recorded when nothing was deployed yet). kInvalidArgument for an empty change.
  Result<Deployment> SetConfig(const std::string& app, const ConfigChanges& changes);
  // The current config, opened (the API masks it unless asked to reveal).
  Result<ConfigMap> Config(const std::string& app);
  // A release of the current artifact and config on `instances` (1…kMaxInstances) processes.
  Result<Deployment> Scale(const std::string& app, int instances);
  // A new release with the artifact, config and scale of release `version`, or, without one,
  // of the newest release before the running one that ran successfully.
  Result<Deployment> Rollback(const std::string& app, std::optional<long long> version);

  Result<Page<Deployment>> List(const std::string& app, const PageRequest& page);
  Result<Deployment> Get(const std::string& app, long long version);

 private:
  // Builds the next release from the app's newest one (a copy `make` may change) and starts
  // it as the next version; reads again when another change took that version first.
  using NextRelease = std::function<Result<Deployment>(Deployment latest)>;
  Result<Deployment> Commit(const std::string& app, const NextRelease& make);
  // The app's newest release, or an empty one (no artifact, no config, 1 instance).
  Result<Deployment> Latest(const std::string& app);
  Result<Deployment> PreviousGood(const std::string& app);

  MetadataStore& store_;
  DeployService& deploys_;
  const ConfigCipher& cipher_;
  const bool allow_dev_hot_;
  KeyedMutex app_locks_;  // one change at a time per app in this process
};

}  // namespace aether
