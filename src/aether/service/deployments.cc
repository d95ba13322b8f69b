// Deployment use cases and the rollout worker.
#include "aether/service/deployments.h"

#include <thread>

#include "aether/core/digest.h"
#include "aether/core/log.h"
#include "aether/core/names.h"

namespace aether {

Result<Deployment> DeployService::Create(const std::string& app, const std::string& artifact,
                                         const std::map<std::string, std::string>& env) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  AETHER_ASSIGN_OR_RETURN(Digest digest, Digest::Parse(artifact));
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  auto art = store_.GetArtifact(app, digest.str());
  if (!art.ok()) {
    if (art.status().code() == ErrorCode::kNotFound) {
      return FailedPrecondition("artifact " + digest.str() + " is not registered for app '" + app +
                                "'");
    }
    return art.status();
  }
  Deployment d;
  d.id = NewId("dep");
  d.app = app;
  d.artifact = digest.str();
  d.url = runtime_.UrlFor(app);
  d.created_at = d.updated_at = NowRfc3339();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("aetherd is shutting down");
  }
  AETHER_RETURN_IF_ERROR(store_.CreateDeployment(d));
  Record(d, "created", "artifact " + d.artifact);
  Launch(Job{d, env});
  return d;
}

Result<Deployment> DeployService::Get(const std::string& id) { return store_.GetDeployment(id); }

Result<std::vector<DeploymentEvent>> DeployService::Events(const std::string& id) {
  return store_.ListEvents(id);
}

Result<std::vector<Deployment>> DeployService::List(const std::string& app) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return store_.ListDeployments(app);
}

void DeployService::ResumeAll() {
  auto apps = store_.ListApps();
  if (!apps.ok()) return;
  for (const auto& app : *apps) {
    if (app.current_deployment.empty()) continue;
    auto d = store_.GetDeployment(app.current_deployment);
    if (!d.ok() || d->status != "running") continue;
    Launch(Job{*d, {}});
  }
}

void DeployService::Shutdown() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_.wait(lock, [&] { return active_ == 0; });
}

void DeployService::Launch(Job job) {
  {
    std::lock_guard lock(mu_);
    ++active_;
  }
  std::thread([this, job = std::move(job)]() mutable {
    Run(std::move(job));
    std::lock_guard lock(mu_);
    if (--active_ == 0) idle_.notify_all();
  }).detach();
}

std::mutex& DeployService::AppLock(const std::string& app) {
  std::lock_guard lock(mu_);
  auto& m = app_locks_[app];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

void DeployService::Save(const Deployment& d) {
  Deployment copy = d;
  copy.updated_at = NowRfc3339();
  (void)store_.UpdateDeployment(copy);  // the app may have been deleted meanwhile
}

void DeployService::Record(const Deployment& d, const std::string& type,
                           const std::string& message) {
  (void)store_.AppendEvent({0, d.id, NowRfc3339(), type, message});  // may race a delete
}

void DeployService::Run(Job job) {
  std::lock_guard app_lock(AppLock(job.d.app));
  Deployment& d = job.d;
  bool resumed = d.status == "running";
  if (!resumed) {
    d.status = "deploying";
    Save(d);
    Record(d, "deploying");
  }
  auto previous = store_.GetApp(d.app);
  ReleaseSpec spec{d.app, d.id, d.artifact, job.env, 1};
  Status s = runtime_.Deploy(spec, [&](const std::string& phase, long long ms) {
    if (resumed) return;
    d.phases.push_back({phase, ms});
    Save(d);
    Record(d, phase, std::to_string(ms) + " ms");
  });
  if (!s.ok()) {
    d.status = "failed";
    d.reason = s.message();
    Save(d);
    Record(d, "failed", d.reason);
    LogLine("deploy " + d.id + " app=" + d.app + " failed: " + d.reason);
    return;
  }
  d.status = "running";
  Save(d);
  Record(d, resumed ? "resumed" : "running");
  LogLine("deploy " + d.id + " app=" + d.app + (resumed ? " resumed" : " running") +
          " artifact=" + d.artifact.substr(0, 19) + "…");
  if (resumed || !previous.ok()) return;
  (void)store_.SetCurrentDeployment(d.app, d.id);
  if (!previous->current_deployment.empty() && previous->current_deployment != d.id) {
    auto old = store_.GetDeployment(previous->current_deployment);
    if (old.ok() && old->status == "running") {
      old->status = "superseded";
      Save(*old);
      Record(*old, "superseded", "by " + d.id);
    }
  }
}

}  // namespace aether
