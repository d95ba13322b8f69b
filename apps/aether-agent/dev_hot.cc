// Implementation of dev-hot mode (see dev_hot.h): the pure parts (swap decision, /status
// document, directory names) and DevHot's threads. The worker thread serializes swaps: it
// fetches, hands a SwapRequest to the supervisor (wake + TakeSwap) and waits for Swapped
// before it looks at the next target.
#include "dev_hot.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "aether/http/client.h"
#include "aether/http/proxy.h"
#include "aether/http/server.h"
#include "aether/kube/client.h"
#include "aether/kube/config.h"
#include "aether/kube/informer.h"
#include "fetch.h"

namespace aether::agent {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void Say(const std::string& line) {
  std::fprintf(stderr, "aether-agent: dev-hot: %s\n", line.c_str());
}

std::string Describe(const HotTarget& t) {
  return t.artifact + " (" + (t.deployment.empty() ? "no deployment" : t.deployment) + ")";
}

}  // namespace

HotTarget TargetFromPod(const nlohmann::json& pod) {
  HotTarget t;
  if (!pod.is_object() || !pod.contains("metadata")) return t;
  const auto& meta = pod["metadata"];
  if (!meta.is_object() || !meta.contains("annotations") || !meta["annotations"].is_object()) {
    return t;
  }
  const auto& a = meta["annotations"];
  if (a.contains(devhot::kArtifactAnnotation) && a[devhot::kArtifactAnnotation].is_string()) {
    t.artifact = a[devhot::kArtifactAnnotation].get<std::string>();
  }
  if (a.contains(devhot::kDeploymentAnnotation) && a[devhot::kDeploymentAnnotation].is_string()) {
    t.deployment = a[devhot::kDeploymentAnnotation].get<std::string>();
  }
  return t;
}

HotAction DecideSwap(const HotTarget& target, const HotTarget& running, const HotTarget& failed) {
  if (target.artifact.empty()) return HotAction::kNone;
  if (target.artifact == running.artifact) return HotAction::kAdopt;
  if (target == failed) return HotAction::kNone;
  return HotAction::kSwap;
}

std::string StatusJson(const HotStatus& s) {
  nlohmann::json j = {{"artifact", s.artifact},
                      {"deployment", s.deployment},
                      {"state", s.state},
                      {"message", s.message},
                      {"running_artifact", s.running_artifact},
                      {"running_deployment", s.running_deployment},
                      {"swaps", s.swaps},
                      {"restarts", s.restarts},
                      {"pid", s.pid}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string ReleaseDirName(const std::string& artifact, int counter) {
  std::string hex = artifact.rfind("sha256:", 0) == 0 ? artifact.substr(7) : artifact;
  std::string safe;
  for (char c : hex.substr(0, 12)) safe += std::isxdigit(static_cast<unsigned char>(c)) ? c : '_';
  return safe + "-" + std::to_string(counter);
}

bool IsDevHotLeftover(const std::string& name) {
  static const std::regex kPattern(
      R"(^[0-9a-f]{12}-[0-9]+$|^\.[0-9a-f]{12}-[0-9]+\.tmp-.+$|^\.aether-dl-.+$)");
  return std::regex_match(name, kPattern);
}

std::string OneLine(const std::string& message) {
  std::string out;
  for (char c : message) {
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (out.size() >= 500) break;
  }
  return out;
}

DevHot::DevHot(DevHotOptions options) : options_(std::move(options)) {
  running_ = {options_.artifact, options_.deployment};
  current_dir_ = options_.dir;
  status_.artifact = status_.running_artifact = options_.artifact;
  status_.deployment = status_.running_deployment = options_.deployment;
}

DevHot::~DevHot() {
  Stop();
  if (worker_.joinable()) worker_.join();
}

bool DevHot::Start(std::function<void()> wake) {
  wake_ = std::move(wake);
  auto config = kube::LoadInCluster([](const char* name) { return std::getenv(name); },
                                    options_.service_account_dir);
  if (!config.ok()) {
    Say("no in-cluster Kubernetes config: " + config.status().message());
    return false;
  }
  std::string ns = options_.ns.empty() ? config->ns : options_.ns;
  if (ns.empty()) {
    Say("no namespace: pass --namespace (or set POD_NAMESPACE)");
    return false;
  }
  kube_ = std::make_unique<kube::Client>(std::move(config).value());
  RemoveLeftovers();

  http::ServerOptions so;
  so.host = options_.status_host;
  so.port = options_.status_port;
  so.name = "aether-agent";
  so.io_timeout = std::chrono::seconds(10);
  so.drain_timeout = std::chrono::seconds(1);
  auto server = http::StartServer(so, [this](http::Request& req) {
    if (req.path != "/status") return http::Response::Json(404, R"({"message":"not found"})");
    if (req.method != "GET" && req.method != "HEAD") {
      return http::Response::Json(405, R"({"message":"method not allowed"})");
    }
    return http::Response::Json(200, StatusJson(status()));
  });
  if (!server.ok()) {
    Say("cannot serve status on " + so.host + ":" + std::to_string(so.port) + ": " +
        server.status().message());
    return false;
  }
  server_ = std::move(server).value();

  std::string path = "/api/v1/namespaces/" + ns + "/pods/" + options_.pod;
  informer_ =
      std::make_unique<kube::Informer>(*kube_, kube::ObjectPath{path}, [this] { OnPodChange(); });
  worker_ = std::thread([this] { Work(); });
  informer_->Start();
  Say("watching pod " + ns + "/" + options_.pod + "; status on port " +
      std::to_string(server_->port()) + "; running " + Describe(running_));
  return true;
}

void DevHot::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (informer_) informer_->Stop();
  if (server_) server_->Stop();
}

HotStatus DevHot::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::optional<SwapRequest> DevHot::TakeSwap() {
  std::lock_guard lock(mu_);
  std::optional<SwapRequest> out = std::move(pending_);
  pending_.reset();
  return out;
}

void DevHot::Swapped(const SwapRequest& /*request*/, pid_t /*pid*/) {
  {
    std::lock_guard lock(mu_);
    swapped_ = true;
  }
  cv_.notify_all();
}

void DevHot::ProcessChanged(pid_t pid, int restarts) {
  std::lock_guard lock(mu_);
  status_.pid = pid;
  status_.restarts = restarts;
}

void DevHot::OnPodChange() {
  std::vector<kube::Json> items = informer_->Items();
  if (items.empty()) return;  // deleted, or not there yet
  HotTarget target = TargetFromPod(items.front());
  {
    std::lock_guard lock(mu_);
    if (target == desired_) return;
    desired_ = target;
    if (!(target == failed_)) failed_ = {};  // a changed annotation may retry a failed digest
  }
  cv_.notify_all();
}

void DevHot::Work() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait(lock, [&] { return stop_ || !(desired_ == handled_); });
    if (stop_) break;
    HotTarget target = desired_;
    handled_ = target;
    switch (DecideSwap(target, running_, failed_)) {
      case HotAction::kNone:
        break;
      case HotAction::kAdopt:
        if (!target.deployment.empty()) running_.deployment = target.deployment;
        status_.state = "running";
        status_.message.clear();
        status_.artifact = status_.running_artifact = running_.artifact;
        status_.deployment = status_.running_deployment = running_.deployment;
        break;
      case HotAction::kSwap:
        SwapTo(target, lock);
        break;
    }
  }
}

// Called and returns with `lock` held; drops it while fetching, swapping and probing.
void DevHot::SwapTo(const HotTarget& target, std::unique_lock<std::mutex>& lock) {
  Clock::time_point start = Clock::now();
  status_.state = "swapping";
  status_.message.clear();
  status_.artifact = target.artifact;
  status_.deployment = target.deployment;
  std::string dir =
      (fs::path(options_.root) / ReleaseDirName(target.artifact, ++counter_)).string();
  FetchOptions fo;
  fo.server = options_.server;
  fo.app = options_.app;
  fo.artifact = target.artifact;
  fo.dest = dir;
  fo.token = options_.token;
  fo.require_signature = options_.require_signature;

  lock.unlock();
  Result<FetchReport> report = [&] {
    std::unique_ptr<http::Client> client = http::NewClient();
    return Fetch(fo, *client);
  }();
  lock.lock();
  if (stop_) return;
  auto elapsed = [&] {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
  };
  if (!report.ok()) {
    failed_ = target;
    status_.state = "failed";
    status_.message = OneLine(report.status().message());
    Say("swap to " + Describe(target) + " failed: " + status_.message + " (still running " +
        Describe(running_) + ")");
    std::error_code ec;
    fs::remove_all(dir, ec);
    return;
  }

  const std::string health_path = report->health_path;
  pending_ = SwapRequest{dir, report->command};
  swapped_ = false;
  lock.unlock();
  wake_();
  lock.lock();
  cv_.wait(lock, [&] { return stop_ || swapped_; });
  if (stop_) return;
  std::string old_dir = current_dir_;
  current_dir_ = dir;
  running_ = target;
  status_.running_artifact = target.artifact;
  status_.running_deployment = target.deployment;
  ++status_.swaps;

  lock.unlock();
  // The starting directory stays: a restarted container runs from it (and swaps again).
  if (old_dir != options_.dir) {
    std::error_code ec;
    fs::remove_all(old_dir, ec);
    if (ec) Say("cannot remove " + old_dir + ": " + ec.message());
  }
  // Ready by the probes' own rule (aether-agent probe), not merely accepting connections.
  bool ready = WaitReady(health_path, Clock::now() + options_.ready_timeout);
  lock.lock();
  if (stop_) return;
  if (ready) {
    status_.state = "running";
    Say("swapped to " + Describe(target) + " in " + elapsed() + " ms");
  } else {
    status_.state = "failed";
    status_.message = "the new process is not ready on port " + std::to_string(options_.app_port) +
                      " after " + std::to_string(options_.ready_timeout.count()) + " ms";
    Say("swap to " + Describe(target) + " failed: " + status_.message);
  }
}

bool DevHot::WaitReady(const std::string& health_path, Clock::time_point deadline) {
  if (options_.app_port <= 0) return true;
  while (!stop_) {
    if (http::ProbeReady("127.0.0.1", options_.app_port, health_path,
                         std::chrono::milliseconds(1000))) {
      return true;
    }
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Releases and partial fetches a previous agent in this pod left under the root.
void DevHot::RemoveLeftovers() {
  std::error_code ec;
  fs::path keep = fs::weakly_canonical(options_.dir, ec);
  for (const auto& entry : fs::directory_iterator(options_.root, ec)) {
    if (!IsDevHotLeftover(entry.path().filename().string())) continue;
    std::error_code ec2;
    if (fs::weakly_canonical(entry.path(), ec2) == keep) continue;
    fs::remove_all(entry.path(), ec2);
  }
}

}  // namespace aether::agent
