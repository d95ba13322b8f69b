// Release use cases: deploy, config, scale, rollback, listing.
#include "aether/service/releases.h"

#include <chrono>
#include <random>
#include <thread>

#include "aether/core/digest.h"
#include "aether/core/names.h"

namespace aether {
namespace {

std::string Short(const std::string& digest) { return digest.substr(0, 19); }

std::string DescribeChanges(const ConfigChanges& changes) {
  std::string set;
  std::string unset;
  for (const auto& [name, value] : changes) {
    std::string& list = value ? set : unset;
    list += (list.empty() ? "" : ", ") + name;
  }
  if (unset.empty()) return "Set " + set;
  if (set.empty()) return "Unset " + unset;
  return "Set " + set + "; unset " + unset;
}

}  // namespace

Result<Deployment> ReleaseService::Latest(const std::string& app) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  AETHER_ASSIGN_OR_RETURN(Page<Deployment> page, store_.ListDeployments(app, {1, ""}));
  if (!page.items.empty()) return page.items.front();
  Deployment empty;
  empty.app = app;
  return empty;
}

Result<Deployment> ReleaseService::Commit(const std::string& app, const NextRelease& make) {
  std::lock_guard lock(app_locks_.For(app));
  for (int attempt = 1;; ++attempt) {
    AETHER_ASSIGN_OR_RETURN(Deployment latest, Latest(app));
    AETHER_ASSIGN_OR_RETURN(Deployment next, make(latest));
    next.version = latest.version + 1;
    auto started = deploys_.Start(std::move(next));
    if (started.ok() || started.status().code() != ErrorCode::kConflict || attempt == 10) {
      return started;
    }
    // Lost a race with another replica: back off a little, with jitter, and build again.
    std::uniform_int_distribution<int> jitter_ms(1, 5 * attempt);
    std::minstd_rand rng(std::random_device{}());
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter_ms(rng)));
  }
}

Result<Deployment> ReleaseService::Deploy(const std::string& app, const std::string& artifact,
                                          const ConfigMap& config, const std::string& strategy) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  if (strategy != "rolling" && strategy != "dev-hot") {
    return InvalidArgument("strategy must be 'rolling' or 'dev-hot', not '" + strategy + "'");
  }
  if (strategy == "dev-hot" && !allow_dev_hot_) {
    return FailedPrecondition(
        "dev-hot deploys are turned off on this server (aetherd --dev-hot off); deploy without "
        "--dev-hot");
  }
  AETHER_ASSIGN_OR_RETURN(Digest digest, Digest::Parse(artifact));
  ConfigChanges changes;
  for (const auto& [name, value] : config) {
    AETHER_RETURN_IF_ERROR(ValidateConfigName(name));
    changes[name] = value;
  }
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  auto art = store_.GetArtifact(app, digest.str());
  if (!art.ok()) {
    if (art.status().code() != ErrorCode::kNotFound) return art.status();
    return FailedPrecondition("artifact " + digest.str() + " is not registered for app '" + app +
                              "'");
  }
  return Commit(app, [&](Deployment next) -> Result<Deployment> {
    if (!config.empty()) {
      AETHER_ASSIGN_OR_RETURN(ConfigMap current, cipher_.Open(app, next.config));
      for (const auto& [name, value] : config) current[name] = value;
      AETHER_RETURN_IF_ERROR(ValidateConfigValues(current));
      AETHER_ASSIGN_OR_RETURN(next.config, cipher_.Seal(app, current));
    }
    next.artifact = digest.str();
    next.strategy = strategy;
    next.description =
        "Deploy " + Short(next.artifact) + (config.empty() ? "" : "; " + DescribeChanges(changes));
    return next;
  });
}

Result<Deployment> ReleaseService::SetConfig(const std::string& app, const ConfigChanges& changes) {
  if (changes.empty()) return InvalidArgument("no config vars to set or unset");
  for (const auto& [name, value] : changes) AETHER_RETURN_IF_ERROR(ValidateConfigName(name));
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return Commit(app, [&](Deployment next) -> Result<Deployment> {
    AETHER_ASSIGN_OR_RETURN(ConfigMap current, cipher_.Open(app, next.config));
    for (const auto& [name, value] : changes) {
      if (value) {
        current[name] = *value;
      } else {
        current.erase(name);
      }
    }
    AETHER_RETURN_IF_ERROR(ValidateConfigValues(current));
    AETHER_ASSIGN_OR_RETURN(next.config, cipher_.Seal(app, current));
    next.description = DescribeChanges(changes);
    return next;
  });
}

Result<ConfigMap> ReleaseService::Config(const std::string& app) {
  AETHER_ASSIGN_OR_RETURN(Deployment latest, Latest(app));
  return cipher_.Open(app, latest.config);
}

Result<Deployment> ReleaseService::Scale(const std::string& app, int instances) {
  if (instances < 1 || instances > kMaxInstances) {
    return InvalidArgument("instances must be between 1 and " + std::to_string(kMaxInstances));
  }
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return Commit(app, [&](Deployment next) -> Result<Deployment> {
    if (next.artifact.empty()) {
      return FailedPrecondition("app '" + app +
                                "' has nothing deployed yet; deploy before scaling");
    }
    next.instances = instances;
    next.description = "Scale to " + std::to_string(instances);
    return next;
  });
}

Result<Deployment> ReleaseService::PreviousGood(const std::string& app) {
  AETHER_ASSIGN_OR_RETURN(App a, store_.GetApp(app));
  if (a.current_deployment.empty()) {
    return FailedPrecondition("app '" + app + "' has no running release to roll back from");
  }
  AETHER_ASSIGN_OR_RETURN(Deployment current, store_.GetDeployment(a.current_deployment));
  PageRequest page{kMaxPageLimit, std::to_string(current.version)};
  while (true) {
    AETHER_ASSIGN_OR_RETURN(Page<Deployment> older, store_.ListDeployments(app, page));
    for (const auto& d : older.items) {
      if (d.status == "superseded" && !d.artifact.empty()) return d;
    }
    if (older.next.empty()) break;
    page.after = older.next;
  }
  return FailedPrecondition("app '" + app + "' has no earlier release that ran; name one with " +
                            "`aether rollback vN`");
}

Result<Deployment> ReleaseService::Rollback(const std::string& app,
                                            std::optional<long long> version) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return Commit(app, [&](const Deployment& latest) -> Result<Deployment> {
    Result<Deployment> target = version ? store_.GetRelease(app, *version) : PreviousGood(app);
    if (!target.ok()) return target.status();
    if (target->artifact.empty()) {
      return FailedPrecondition("release v" + std::to_string(target->version) +
                                " has nothing to run (no artifact)");
    }
    Deployment next = latest;
    next.artifact = target->artifact;
    next.config = target->config;
    next.instances = target->instances;
    next.description = "Rollback to v" + std::to_string(target->version);
    return next;
  });
}

Result<Page<Deployment>> ReleaseService::List(const std::string& app, const PageRequest& page) {
  return deploys_.List(app, page);
}

Result<Deployment> ReleaseService::Get(const std::string& app, long long version) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return store_.GetRelease(app, version);
}

}  // namespace aether
