// Local runtime: fetch → spawn agents → readiness → switch route → drain and stop the old. Each
// app's state file records what runs, so Detach can leave the apps running and Resume re-attach.
// LocalRuntime is thread-safe: mu_ guards the release tables and orders the state file writes.
#include "aether/runtime/local/local_runtime.h"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "aether/core/clock.h"
#include "aether/core/log.h"
#include "aether/http/server.h"
#include "aether/runtime/local/file_log_source.h"
#include "aether/runtime/local/instance.h"
#include "aether/runtime/local/process.h"
#include "aether/runtime/local/routes.h"
#include "aether/runtime/local/sandbox_check.h"
#include "aether/runtime/local/state_file.h"

namespace aether {
namespace {

namespace fs = std::filesystem;
using Clock = SteadyClock;
using local::BackendPtr;
using local::Release;

// How long a surviving instance may take to answer before Resume restarts its release.
constexpr std::chrono::milliseconds kReattachWait{3000};

std::vector<BackendPtr> Backends(const Release& rel) {
  std::vector<BackendPtr> out;
  for (const auto& inst : rel.instances) out.push_back(inst.backend);
  return out;
}

class LocalRuntime final : public Runtime {
 public:
  explicit LocalRuntime(LocalRuntimeOptions o)
      : o_(std::move(o)), logs_((fs::path(o_.data_dir) / "logs").string()) {}
  ~LocalRuntime() override { Shutdown(); }

  Status Start() {
    if (o_.sandbox) AETHER_RETURN_IF_ERROR(local::CheckSandbox(o_.agent_path, o_.data_dir));
    http::ServerOptions so;
    so.host = o_.router_host;
    so.port = o_.router_port;
    so.name = "router";
    auto server =
        http::StartServer(so, [this](http::Request& r) { return local::RouteRequest(routes_, r); });
    if (!server.ok()) return server.status();
    router_ = std::move(server).value();
    return Status::Ok();
  }

  Status Deploy(const ReleaseSpec& spec, const PhaseReporter& report) override {
    {
      std::lock_guard lock(mu_);
      if (detached_) return Unavailable("the local runtime is detached (aetherd is stopping)");
    }
    Release rel;
    rel.deployment_id = spec.deployment_id;
    rel.dir = (fs::path(o_.data_dir) / "releases" / spec.app / spec.deployment_id).string();
    auto fetched = local::FetchRelease(o_, spec, rel.dir, report);
    if (!fetched.ok()) return Fail(spec.app, rel, fetched.status());
    rel.health_path = fetched->health_path;

    auto t = Clock::now();
    for (int i = 0; i < std::max(1, spec.instances); ++i) {
      auto inst = local::StartInstance(o_, spec, rel, fetched->command, i);
      if (!inst.ok()) return Fail(spec.app, rel, inst.status());
      rel.instances.push_back(std::move(inst).value());
      std::lock_guard lock(mu_);
      SetOther(spec.app, rel);  // recorded at once: a crashed aetherd's successor stops it
      SaveLocked(spec.app);
    }
    report("start", MsSince(t));

    t = Clock::now();
    for (const auto& inst : rel.instances) {
      Status ready = local::WaitReady(o_, inst, rel.health_path);
      if (!ready.ok()) return Fail(spec.app, rel, ready);
    }
    report("ready", MsSince(t));

    t = Clock::now();
    std::optional<Release> old = Switch(spec.app, std::move(rel));
    report("switch", MsSince(t));
    if (old) Retire(spec.app, std::move(*old));
    return Status::Ok();
  }

  Status Resume(const ReleaseSpec& spec) override {
    auto t = Clock::now();
    {
      std::lock_guard lock(mu_);
      if (detached_) return Unavailable("the local runtime is detached (aetherd is stopping)");
      auto it = current_.find(spec.app);
      if (it != current_.end() && it->second.deployment_id == spec.deployment_id) {
        return Status::Ok();
      }
    }
    std::optional<Release> adopt;
    std::vector<Release> leftovers;
    auto state = local::LoadAppState(StatePath(spec.app));
    if (!state.ok() && state.status().code() != ErrorCode::kNotFound) {
      LogLine("aetherd: ignoring the runtime state of " + spec.app + ": " +
              state.status().message());
    }
    if (state.ok()) {
      // The release to resume is usually the current one; after a crash mid-rollout it may be
      // the one being replaced. Everything else recorded is stopped.
      if (state->current) leftovers.push_back(std::move(*state->current));
      for (auto& rel : state->others) leftovers.push_back(std::move(rel));
      auto it = std::find_if(leftovers.begin(), leftovers.end(), [&](const Release& r) {
        return r.deployment_id == spec.deployment_id;
      });
      if (it != leftovers.end() && CanAdopt(*it)) {
        adopt = std::move(*it);
        leftovers.erase(it);
      }
    }
    for (auto& rel : leftovers) StopRelease(rel, /*drain=*/false, !adopt || rel.dir != adopt->dir);
    if (!adopt) {
      {
        std::lock_guard lock(mu_);
        SaveLocked(spec.app);  // the leftovers are gone
      }
      if (state.ok()) LogLine("aetherd: " + spec.app + " did not survive; starting it again");
      return Deploy(spec, [](const std::string&, long long) {});
    }
    size_t count = adopt->instances.size();
    routes_.Set(spec.app, Backends(*adopt));
    {
      std::lock_guard lock(mu_);
      current_[spec.app] = std::move(*adopt);
      SaveLocked(spec.app);
    }
    LogLine("aetherd: re-attached to " + spec.app + " " + spec.deployment_id + " (" +
            std::to_string(count) + " instances) in " + std::to_string(MsSince(t)) + " ms");
    return Status::Ok();
  }

  Status Remove(std::string_view app_name) override {
    std::string app(app_name);
    routes_.Remove(app);
    std::vector<Release> stop;
    {
      std::lock_guard lock(mu_);
      if (auto it = current_.find(app); it != current_.end()) {
        stop.push_back(std::move(it->second));
        current_.erase(it);
      } else if (auto state = local::LoadAppState(StatePath(app)); state.ok()) {
        // Left by an earlier aetherd and never resumed here.
        if (state->current) stop.push_back(std::move(*state->current));
        for (auto& rel : state->others) {
          if (!IsOther(app, rel.dir)) stop.push_back(std::move(rel));
        }
      }
    }
    for (auto& rel : stop) StopRelease(rel, /*drain=*/false);
    {
      std::lock_guard lock(mu_);
      SaveLocked(app);  // removes the file unless a replaced release is still being stopped
    }
    std::error_code ec;
    fs::remove_all(fs::path(o_.data_dir) / "releases" / app, ec);
    return Status::Ok();
  }

  std::string UrlFor(std::string_view app) const override {
    int port = router_ ? router_->port() : o_.router_port;
    return "http://" + std::string(app) + ".localhost:" + std::to_string(port) + "/";
  }

  void Shutdown() override {
    std::map<std::string, Release> all;
    {
      std::lock_guard lock(mu_);
      all.swap(current_);
    }
    for (auto& [app, rel] : all) {
      routes_.Remove(app);
      StopRelease(rel, /*drain=*/false);
    }
    {
      std::unique_lock lock(mu_);
      retired_.wait(lock, [&] { return retiring_ == 0; });
      for (const auto& [app, rel] : all) SaveLocked(app);  // nothing runs: the files go
    }
    if (router_) router_->Stop();
  }

  logs::LogSource& Logs() override { return logs_; }

  void Detach() override {
    if (router_) router_->Stop();  // no new requests: replaced releases drain at once
    std::unique_lock lock(mu_);
    retired_.wait(lock, [&] { return retiring_ == 0; });
    if (detached_) return;
    detached_ = true;  // every change was saved as it happened: the state files are current
    for (const auto& [app, rel] : current_) routes_.Remove(app);
    if (!current_.empty()) {
      LogLine("aetherd: left " + std::to_string(current_.size()) +
              " apps running for the next start");
    }
    current_.clear();
    others_.clear();
  }

 private:
  std::string StatePath(const std::string& app) const {
    return local::StateFilePath(o_.data_dir, app);
  }

  // A recorded release whose every instance still runs and answers.
  static bool CanAdopt(const Release& rel) {
    if (rel.instances.empty()) return false;
    for (const auto& inst : rel.instances) {
      if (!local::Reattachable(rel, inst, kReattachWait)) return false;
    }
    return true;
  }

  // Routes `app` to the ready `rel`; the replaced release (returned) is kept in the state file
  // until Retire has stopped it.
  std::optional<Release> Switch(const std::string& app, Release rel) {
    routes_.Set(app, Backends(rel));
    std::lock_guard lock(mu_);
    std::optional<Release> old;
    if (auto it = current_.find(app); it != current_.end()) old = std::move(it->second);
    EraseOther(app, rel.dir);
    if (old) SetOther(app, *old);
    current_[app] = std::move(rel);
    SaveLocked(app);
    return old;
  }

  Status Fail(const std::string& app, Release& rel, Status why) {
    StopRelease(rel, /*drain=*/false);
    {
      std::lock_guard lock(mu_);
      if (EraseOther(app, rel.dir)) SaveLocked(app);
    }
    if (why.code() != ErrorCode::kDeployFailed) why = {ErrorCode::kDeployFailed, why.message()};
    return why;
  }

  // Drains and stops a replaced release in the background; Shutdown and Detach wait for it.
  void Retire(const std::string& app, Release old) {
    {
      std::lock_guard lock(mu_);
      ++retiring_;
    }
    std::thread([this, app, rel = std::move(old)]() mutable {
      StopRelease(rel, /*drain=*/true);
      std::lock_guard lock(mu_);
      if (EraseOther(app, rel.dir)) SaveLocked(app);
      if (--retiring_ == 0) retired_.notify_all();
    }).detach();
  }

  // Stops the instances (ours, or adopted from an earlier aetherd) and deletes the release dir.
  void StopRelease(const Release& rel, bool drain, bool remove_dir = true) {
    if (drain) {
      auto deadline = Clock::now() + o_.drain_timeout;
      for (const auto& inst : rel.instances) {
        while (inst.backend->inflight > 0 && Clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    }
    for (const auto& inst : rel.instances) local::Stop(inst.pid, o_.stop_grace, rel.dir);
    std::error_code ec;
    if (remove_dir) fs::remove_all(rel.dir, ec);
  }

  // others_ bookkeeping (mu_ held): releases starting or being retired, keyed by their dir.
  void SetOther(const std::string& app, const Release& rel) {
    auto& list = others_[app];
    auto it =
        std::find_if(list.begin(), list.end(), [&](const Release& r) { return r.dir == rel.dir; });
    if (it != list.end()) {
      *it = rel;
    } else {
      list.push_back(rel);
    }
  }

  bool EraseOther(const std::string& app, const std::string& dir) {
    auto it = others_.find(app);
    if (it == others_.end()) return false;
    size_t erased = std::erase_if(it->second, [&](const Release& r) { return r.dir == dir; });
    if (it->second.empty()) others_.erase(it);
    return erased > 0;
  }

  bool IsOther(const std::string& app, const std::string& dir) const {
    auto it = others_.find(app);
    if (it == others_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const Release& r) { return r.dir == dir; });
  }

  // Writes what runs of `app` to its state file, or removes the file (mu_ held).
  void SaveLocked(const std::string& app) {
    if (detached_) return;  // the files describe the detached apps now
    local::AppState state;
    if (auto it = current_.find(app); it != current_.end()) state.current = it->second;
    if (auto it = others_.find(app); it != others_.end()) state.others = it->second;
    Status saved = local::SaveAppState(StatePath(app), state);
    if (!saved.ok()) LogLine("aetherd: " + saved.message());
  }

  LocalRuntimeOptions o_;
  local::FileLogSource logs_;  // the files outlive the instances (Remove keeps them too)
  local::RouteTable routes_;
  std::unique_ptr<http::Server> router_;
  std::mutex mu_;
  std::map<std::string, Release> current_;
  std::map<std::string, std::vector<Release>> others_;
  std::condition_variable retired_;
  int retiring_ = 0;       // releases being drained by detached threads
  bool detached_ = false;  // Detach ran: the remaining processes are not ours to stop
};

}  // namespace

Result<std::unique_ptr<Runtime>> OpenLocalRuntime(const LocalRuntimeOptions& options) {
  auto rt = std::make_unique<LocalRuntime>(options);
  AETHER_RETURN_IF_ERROR(rt->Start());
  return std::unique_ptr<Runtime>(std::move(rt));
}

}  // namespace aether
