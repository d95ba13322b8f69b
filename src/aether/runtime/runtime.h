// Runtime: runs releases. Deploy blocks until the new release serves traffic (or fails), then
// retires the previous one without dropping requests. Implementations: the fake beside this
// file, runtime/local (processes behind aetherd's router). Thread-safe; Deploy calls for the
// same app are serialised by the caller (the deploy service).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"
#include "aether/logs/log_source.h"

namespace aether {

struct ReleaseSpec {
  std::string app;
  std::string deployment_id;
  std::string artifact;  // manifest digest
  std::map<std::string, std::string> env;
  int instances = 1;
  long long version = 0;  // release number within the app (v3)
  // From the artifact's manifest (for runtimes that cannot read it themselves before start).
  std::vector<std::string> command;
  std::string health_path;  // "" means a TCP check
  // Swap the app layer inside the running instances when the runtime can (Kubernetes dev-hot
  // pods); otherwise a normal rollout.
  bool dev_hot = false;
};

// Called as each rollout phase finishes: fetch, verify, unpack, start, ready, switch (local);
// apply, start, ready, or swap and ready for a dev-hot swap (Kubernetes).
using PhaseReporter = std::function<void(const std::string& phase, long long ms)>;

class Runtime {
 public:
  virtual ~Runtime() = default;

  // Rolls `spec` out. kDeployFailed with the reason (crash output, readiness timeout, fetch
  // error) when it cannot be made ready; the previous release then keeps serving.
  virtual Status Deploy(const ReleaseSpec& spec, const PhaseReporter& report) = 0;
  // Makes sure an already-running release serves again after aetherd restarted: re-attaches
  // to its instances when they survived (same deployment, alive, answering), otherwise starts
  // it as Deploy would. Phases are not reported.
  virtual Status Resume(const ReleaseSpec& spec) = 0;
  // Stops every instance of the app and forgets it. Ok if nothing runs.
  virtual Status Remove(std::string_view app) = 0;
  // The stable URL users reach the app at.
  virtual std::string UrlFor(std::string_view app) const = 0;
  // Stops everything (graceful, then forced). Idempotent.
  virtual void Shutdown() = 0;
  // Stops serving (the router) but leaves the apps' instances running, with what Resume needs
  // to re-attach to them recorded. For an aetherd restart (SIGTERM). Idempotent; after it,
  // Shutdown only releases what is left.
  virtual void Detach() = 0;
  // The apps' output: every instance and container this runtime runs, with history and follow.
  virtual logs::LogSource& Logs() = 0;
};

// Fake for service tests: records deploys; a spec whose env has FAKE_FAIL=<reason> fails.
class FakeRuntime final : public Runtime {
 public:
  Status Deploy(const ReleaseSpec& spec, const PhaseReporter& report) override;
  Status Resume(const ReleaseSpec& spec) override;
  Status Remove(std::string_view app) override;
  std::string UrlFor(std::string_view app) const override;
  void Shutdown() override {}
  void Detach() override {}
  logs::LogSource& Logs() override { return logs_; }
  logs::MemoryLogSource& memory_logs() { return logs_; }

  std::vector<ReleaseSpec> deployed() const;
  std::vector<ReleaseSpec> resumed() const;
  std::vector<std::string> removed() const;

 private:
  mutable std::mutex mu_;
  std::vector<ReleaseSpec> deployed_;
  std::vector<ReleaseSpec> resumed_;
  std::vector<std::string> removed_;
  logs::MemoryLogSource logs_;
};

}  // namespace aether
