// DeployService: the rollout engine. Stores a release and rolls it out in the background, one
// at a time per app, recording status, phase timings, events and the failure reason. At start
// it fails the rollouts an earlier aetherd left unfinished and resumes every app's running
// release. Owns its worker threads; Shutdown() waits for them. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "aether/core/keyed_mutex.h"
#include "aether/runtime/runtime.h"
#include "aether/service/config_vars.h"
#include "aether/store/store.h"

namespace aether {

class DeployService {
 public:
  // Told "running" or "failed" as each rollout ends (for metrics).
  using OutcomeHook = std::function<void(const std::string& outcome)>;

  // Every deployment event (deploying, fetch 12 ms, …, running, failed) is also recorded in
  // `events` when given, where the app's log stream shows it.
  DeployService(MetadataStore& store, Runtime& runtime, const ConfigCipher& cipher,
                OutcomeHook on_outcome = {}, logs::EventLog* events = nullptr)
      : store_(store),
        runtime_(runtime),
        cipher_(cipher),
        on_outcome_(std::move(on_outcome)),
        events_(events) {}
  ~DeployService() { Shutdown(); }

  // Stores `release` and starts its rollout; a release with no artifact is only recorded.
  // Config values must already be sealed. `release.version` 0 takes the next version; otherwise
  // it must be the next one (kConflict when another change got there first).
  Result<Deployment> Start(Deployment release);
  Result<Deployment> Get(const std::string& id);
  Result<Page<Deployment>> List(const std::string& app, const PageRequest& page);
  // What happened to the deployment, in order (GET /deployments/{id}/events).
  Result<Page<DeploymentEvent>> Events(const std::string& id, const PageRequest& page);

  // After aetherd starts: marks rollouts left pending/deploying by a previous process failed,
  // then re-attaches to (or restarts) every app's running release in the background.
  void RecoverAndResume();
  // Blocks until every running rollout has finished; later Starts are refused.
  void Shutdown();

 private:
  void Launch(std::function<void()> work);
  void Run(Deployment d);
  void Resume(const Deployment& d);
  // Store writes of a rollout retry while the database is unavailable (about 13 s), so an
  // outage during a rollout does not leave it stuck.
  void Save(Deployment& d);
  void Record(const Deployment& d, const std::string& type, const std::string& message = "");
  ReleaseSpec SpecFor(const Deployment& d, Status* status) const;

  MetadataStore& store_;
  Runtime& runtime_;
  const ConfigCipher& cipher_;
  OutcomeHook on_outcome_;
  logs::EventLog* events_;
  std::mutex mu_;
  bool stopping_ = false;
  KeyedMutex app_locks_;  // one rollout at a time per app
  std::condition_variable idle_;
  int active_ = 0;  // rollouts in flight (detached threads)
};

}  // namespace aether
