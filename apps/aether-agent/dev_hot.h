// Dev-hot mode of `aether-agent run`: follows the agent's own pod (get + watch, no list) and,
// when its aether.dev/hot-artifact annotation names another artifact, fetches and verifies it
// into a fresh directory and asks the supervisor to move the Node process there, without the
// container exiting. Serves GET /status. Owned by main(); the pod informer, the fetch worker and
// the status server each run on their own thread and share one mutex-guarded state.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <thread>

#include "aether/runtime/kubernetes/dev_hot_protocol.h"
#include "run.h"

namespace aether::http {
class Server;
}
namespace aether::kube {
class Client;
class Informer;
}  // namespace aether::kube

namespace aether::agent {

struct DevHotOptions {
  std::string server;  // aetherd base URL
  std::string app;
  std::string pod;  // this pod's name and namespace
  std::string ns;
  std::string root;   // where swapped releases are unpacked (absolute)
  std::string token;  // pull token
  bool require_signature = false;
  std::string status_host = "0.0.0.0";
  int status_port = devhot::kStatusPort;
  std::string artifact;    // what the starting directory holds (AETHER_ARTIFACT)
  std::string deployment;  // and its deployment (AETHER_DEPLOYMENT)
  std::string dir;         // the starting directory (--dir, absolute); never removed
  // The app's PORT: when set, a swap is `running` once 127.0.0.1:PORT accepts connections,
  // and `failed` when it does not within ready_timeout.
  int app_port = 0;
  std::chrono::milliseconds ready_timeout{30000};
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

// What the pod's annotations ask for.
struct HotTarget {
  std::string artifact;
  std::string deployment;
  bool operator==(const HotTarget&) const = default;
};

HotTarget TargetFromPod(const nlohmann::json& pod);

enum class HotAction {
  kNone,   // nothing asked, or a target that already failed (not retried until it changes)
  kAdopt,  // the running artifact: take the target's deployment id, state running
  kSwap,   // fetch and swap
};

HotAction DecideSwap(const HotTarget& target, const HotTarget& running, const HotTarget& failed);

// The /status document. `artifact`/`deployment` name what `state` is about: the running release
// (running), the one being swapped in (swapping) or the one that could not be (failed);
// `running_artifact`/`running_deployment` always name what runs.
struct HotStatus {
  std::string artifact;
  std::string deployment;
  std::string state = "running";  // running | swapping | failed
  std::string message;
  std::string running_artifact;
  std::string running_deployment;
  int swaps = 0;
  int restarts = 0;
  int pid = 0;
};

std::string StatusJson(const HotStatus& status);

// "<first 12 hex of the digest>-<counter>", the directory name of a swapped release.
std::string ReleaseDirName(const std::string& artifact, int counter);
// True for names this mode creates under the root (release directories and fetch leftovers),
// which a new agent removes at start.
bool IsDevHotLeftover(const std::string& name);
// One line: newlines and tabs become spaces, at most 500 characters.
std::string OneLine(const std::string& message);

class DevHot : public SwapSource {
 public:
  explicit DevHot(DevHotOptions options);
  ~DevHot() override;
  DevHot(const DevHot&) = delete;
  DevHot& operator=(const DevHot&) = delete;

  bool Start(std::function<void()> wake) override;
  std::optional<SwapRequest> TakeSwap() override;
  void Swapped(const SwapRequest& request, pid_t pid) override;
  void ProcessChanged(pid_t pid, int restarts) override;

  // Ends the watch and the status server. A fetch in progress is abandoned, not awaited: the
  // caller ends the process with _exit right after.
  void Stop();
  HotStatus status() const;

 private:
  void OnPodChange();
  void Work();
  void SwapTo(const HotTarget& target, std::unique_lock<std::mutex>& lock);
  // Until the new process passes the readiness probe (http::ProbeReady with the new
  // manifest's health path) or `deadline`; false on timeout or stop.
  bool WaitReady(const std::string& health_path, std::chrono::steady_clock::time_point deadline);
  void RemoveLeftovers();

  const DevHotOptions options_;
  std::function<void()> wake_;
  std::unique_ptr<kube::Client> kube_;
  std::unique_ptr<kube::Informer> informer_;
  std::unique_ptr<http::Server> server_;
  std::thread worker_;
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  HotTarget desired_;  // the pod's annotations, as last seen
  HotTarget handled_;  // the last target the worker looked at
  HotTarget running_;  // what the process runs
  HotTarget failed_;   // the last target that failed; cleared when the annotation changes
  std::string current_dir_;
  std::optional<SwapRequest> pending_;  // for the supervisor
  bool swapped_ = false;                // the supervisor has started the new process
  int counter_ = 0;
  HotStatus status_;
};

}  // namespace aether::agent
