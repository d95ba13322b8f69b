// DeployService: creates deployments and rolls them out in the background, one at a time per
// app, recording status, phase timings and the failure reason. The service owns its worker
// threads; Shutdown() waits for them. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aether/runtime/runtime.h"
#include "aether/store/store.h"

namespace aether {

class DeployService {
 public:
  DeployService(MetadataStore& store, Runtime& runtime) : store_(store), runtime_(runtime) {}
  ~DeployService() { Shutdown(); }

  // Validates the app and artifact, stores a pending deployment and starts its rollout.
  Result<Deployment> Create(const std::string& app, const std::string& artifact,
                            const std::map<std::string, std::string>& env);
  Result<Deployment> Get(const std::string& id);
  Result<std::vector<Deployment>> List(const std::string& app);
  // What happened to the deployment, in order (GET /deployments/{id}/events).
  Result<std::vector<DeploymentEvent>> Events(const std::string& id);

  // Re-runs the current release of every app (after aetherd restarts).
  void ResumeAll();
  // Blocks until every running rollout has finished; later Creates are refused.
  void Shutdown();

 private:
  struct Job {
    Deployment d;
    std::map<std::string, std::string> env;
  };
  void Launch(Job job);
  void Run(Job job);
  std::mutex& AppLock(const std::string& app);
  void Save(const Deployment& d);
  void Record(const Deployment& d, const std::string& type, const std::string& message = "");

  MetadataStore& store_;
  Runtime& runtime_;
  std::mutex mu_;
  bool stopping_ = false;
  std::map<std::string, std::unique_ptr<std::mutex>> app_locks_;
  std::condition_variable idle_;
  int active_ = 0;  // rollouts in flight (detached threads)
};

}  // namespace aether
