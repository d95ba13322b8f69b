// Rollout worker, restart recovery and store-write retries.
#include "aether/service/deployments.h"

#include <chrono>
#include <thread>

#include "aether/artifact/manifest.h"
#include "aether/core/log.h"
#include "aether/core/names.h"

namespace aether {
namespace {

// Runs `op` until it is not kUnavailable, backing off from 50 ms for about 13 s in all.
template <typename Op>
Status RetryUnavailable(Op op) {
  Status s = op();
  for (int delay_ms = 50; s.code() == ErrorCode::kUnavailable && delay_ms <= 6400; delay_ms *= 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    s = op();
  }
  return s;
}

}  // namespace

Result<Deployment> DeployService::Start(Deployment d) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("aetherd is shutting down");
  }
  d.id = NewId("dep");
  d.reason.clear();
  d.phases.clear();
  d.url = runtime_.UrlFor(d.app);
  d.status = d.artifact.empty() ? "recorded" : "pending";
  d.created_at = d.updated_at = NowRfc3339();
  AETHER_ASSIGN_OR_RETURN(d, store_.CreateDeployment(d));
  Record(d, "created", "v" + std::to_string(d.version) + ": " + d.description);
  if (!d.artifact.empty()) Launch([this, d] { Run(d); });
  return d;
}

Result<Deployment> DeployService::Get(const std::string& id) { return store_.GetDeployment(id); }

Result<Page<DeploymentEvent>> DeployService::Events(const std::string& id,
                                                    const PageRequest& page) {
  return store_.ListEvents(id, page);
}

Result<Page<Deployment>> DeployService::List(const std::string& app, const PageRequest& page) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return store_.ListDeployments(app, page);
}

void DeployService::RecoverAndResume() {
  for (const char* status : {"pending", "deploying"}) {
    auto stuck = store_.ListDeploymentsInStatus(status);
    for (Deployment& d : stuck.ok() ? *stuck : std::vector<Deployment>{}) {
      d.status = "failed";
      d.reason = "interrupted: aetherd stopped during the rollout; deploy again";
      Save(d);
      Record(d, "failed", d.reason);
      LogLine("deploy " + d.id + " app=" + d.app + " was interrupted; marked failed");
    }
  }
  PageRequest all{kMaxPageLimit, ""};
  while (true) {
    auto apps = store_.ListApps(all);
    if (!apps.ok()) return;
    for (const auto& app : apps->items) {
      if (app.current_deployment.empty()) continue;
      auto d = store_.GetDeployment(app.current_deployment);
      if (!d.ok() || d->status != "running") continue;
      Launch([this, d = *d] { Resume(d); });
    }
    if (apps->next.empty()) return;
    all.after = apps->next;
  }
}

void DeployService::Shutdown() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  idle_.wait(lock, [&] { return active_ == 0; });
}

void DeployService::Launch(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    ++active_;
  }
  std::thread([this, work = std::move(work)] {
    work();
    std::lock_guard lock(mu_);
    if (--active_ == 0) idle_.notify_all();
  }).detach();
}

void DeployService::Save(Deployment& d) {
  d.updated_at = NowRfc3339();
  // The app may have been deleted meanwhile (kNotFound): nothing left to record.
  (void)RetryUnavailable([&] { return store_.UpdateDeployment(d); });
}

void DeployService::Record(const Deployment& d, const std::string& type,
                           const std::string& message) {
  (void)RetryUnavailable([&] {
    return store_.AppendEvent({0, d.id, NowRfc3339(), type, message});
  });
  if (events_ != nullptr) {
    events_->Record(d.app, "v" + std::to_string(d.version), "",
                    type + (message.empty() ? "" : " " + message));
  }
}

ReleaseSpec DeployService::SpecFor(const Deployment& d, Status* status) const {
  ReleaseSpec spec{
      d.app, d.id, d.artifact, {}, d.instances, d.version, {}, "", d.strategy == "dev-hot"};
  auto env = cipher_.Open(d.app, d.config);
  *status = env.status();
  if (!env.ok()) return spec;
  spec.env = std::move(env).value();
  auto record = store_.GetArtifact(d.app, d.artifact);
  if (!record.ok()) {
    *status = record.status();
    return spec;
  }
  auto manifest = artifact::ParseManifest(record->manifest);
  if (!manifest.ok()) {
    *status = manifest.status();
    return spec;
  }
  spec.command = manifest->command;
  spec.health_path = manifest->health_path;
  return spec;
}

void DeployService::Resume(const Deployment& d) {
  std::lock_guard app_lock(app_locks_.For(d.app));
  Status s;
  ReleaseSpec spec = SpecFor(d, &s);
  if (s.ok()) s = runtime_.Resume(spec);
  if (!s.ok()) {
    LogLine("resume " + d.id + " app=" + d.app + " failed: " + s.message());
    Record(d, "resume_failed", s.message());
    return;
  }
  Record(d, "resumed");
  LogLine("deploy " + d.id + " app=" + d.app + " v" + std::to_string(d.version) + " resumed");
}

void DeployService::Run(Deployment d) {
  std::lock_guard app_lock(app_locks_.For(d.app));
  d.status = "deploying";
  Save(d);
  Record(d, "deploying");
  auto previous = store_.GetApp(d.app);
  Status s;
  ReleaseSpec spec = SpecFor(d, &s);
  if (s.ok()) {
    s = runtime_.Deploy(spec, [&](const std::string& phase, long long ms) {
      d.phases.push_back({phase, ms});
      Save(d);
      Record(d, phase, std::to_string(ms) + " ms");
    });
  }
  if (!s.ok()) {
    d.status = "failed";
    d.reason = s.message();
    Save(d);
    Record(d, "failed", d.reason);
    LogLine("deploy " + d.id + " app=" + d.app + " failed: " + d.reason);
    if (on_outcome_) on_outcome_("failed");
    return;
  }
  // The app points at the release before the release says "running": whoever sees it running
  // (a CLI, a restarted aetherd resuming apps) also sees it current.
  (void)RetryUnavailable([&] { return store_.SetCurrentDeployment(d.app, d.id); });
  d.status = "running";
  Save(d);
  Record(d, "running");
  LogLine("deploy " + d.id + " app=" + d.app + " v" + std::to_string(d.version) +
          " running artifact=" + d.artifact.substr(0, 19) + "…");
  if (on_outcome_) on_outcome_("running");
  if (!previous.ok() || previous->current_deployment.empty() ||
      previous->current_deployment == d.id) {
    return;
  }
  auto old = store_.GetDeployment(previous->current_deployment);
  if (old.ok() && old->status == "running") {
    old->status = "superseded";
    Save(*old);
    Record(*old, "superseded", "by v" + std::to_string(d.version) + " (" + d.id + ")");
  }
}

}  // namespace aether
