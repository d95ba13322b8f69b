// Local runtime: fetch → spawn agents → readiness → switch route → drain and stop the old.
#include "aether/runtime/local/local_runtime.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "aether/core/clock.h"
#include "aether/core/files.h"
#include "aether/http/proxy.h"
#include "aether/http/server.h"
#include "aether/runtime/local/process.h"
#include "aether/runtime/local/routes.h"

namespace aether {
namespace {

namespace fs = std::filesystem;
using Clock = SteadyClock;
using local::BackendPtr;

Result<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (fd < 0 || bind(fd, sa, sizeof addr) != 0 || getsockname(fd, sa, &len) != 0) {
    if (fd >= 0) close(fd);
    return Internal("cannot find a free port");
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

struct Instance {
  pid_t pid = 0;
  BackendPtr backend;
  std::string stderr_log;
  std::string stdout_log;
  std::string status_file;  // the agent's {"restarts", "last_exit"}
};

struct Release {
  std::string deployment_id;
  std::string dir;
  std::vector<Instance> instances;
};

class LocalRuntime final : public Runtime {
 public:
  explicit LocalRuntime(LocalRuntimeOptions o) : o_(std::move(o)) {}
  ~LocalRuntime() override { Shutdown(); }

  Status Start() {
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
    Release rel;
    rel.deployment_id = spec.deployment_id;
    rel.dir = (fs::path(o_.data_dir) / "releases" / spec.app / spec.deployment_id).string();
    auto fetched = Fetch(spec, rel.dir, report);
    if (!fetched.ok()) return Fail(rel, fetched.status());

    const std::vector<std::string>& command = fetched->command;
    const std::string& health_path = fetched->health_path;
    auto t = Clock::now();
    for (int i = 0; i < std::max(1, spec.instances); ++i) {
      auto inst = StartInstance(spec, rel, command, i);
      if (!inst.ok()) return Fail(rel, inst.status());
      rel.instances.push_back(std::move(inst).value());
    }
    report("start", MsSince(t));

    t = Clock::now();
    for (const auto& inst : rel.instances) {
      Status ready = WaitReady(inst, health_path);
      if (!ready.ok()) return Fail(rel, ready);
    }
    report("ready", MsSince(t));

    t = Clock::now();
    std::vector<BackendPtr> backends;
    for (const auto& inst : rel.instances) backends.push_back(inst.backend);
    routes_.Set(spec.app, backends);
    std::optional<Release> old;
    {
      std::lock_guard lock(mu_);
      if (auto it = current_.find(spec.app); it != current_.end()) old = std::move(it->second);
      current_[spec.app] = std::move(rel);
    }
    report("switch", MsSince(t));
    if (old) Retire(std::move(*old));
    return Status::Ok();
  }

  Status Remove(std::string_view app) override {
    routes_.Remove(std::string(app));
    std::optional<Release> old;
    {
      std::lock_guard lock(mu_);
      if (auto it = current_.find(std::string(app)); it != current_.end()) {
        old = std::move(it->second);
        current_.erase(it);
      }
    }
    if (old) StopRelease(*old, /*drain=*/false);
    std::error_code ec;
    fs::remove_all(fs::path(o_.data_dir) / "releases" / std::string(app), ec);
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
    }
    if (router_) router_->Stop();
  }

 private:
  // What `aether-agent fetch` reports about the unpacked release.
  struct Fetched {
    std::vector<std::string> command;
    std::string health_path;
  };

  Result<Fetched> Fetch(const ReleaseSpec& spec, const std::string& dest,
                        const PhaseReporter& report) {
    local::SpawnOptions so;
    so.argv = {o_.agent_path, "fetch",       "--server",
               o_.server_url, "--app",       spec.app,
               "--artifact",  spec.artifact, "--dest",
               dest,          "--cache",     (fs::path(o_.data_dir) / "cache" / "layers").string()};
    if (o_.require_signature) so.argv.emplace_back("--require-signature");
    so.env = {"AETHER_PULL_TOKEN=" + o_.pull_token, "PATH=/usr/bin:/bin"};
    auto run = local::RunCaptured(so, std::chrono::minutes(10));
    if (!run.ok()) return Status(ErrorCode::kDeployFailed, "fetch: " + run.status().message());
    if (run->exit_code != 0) {
      std::string err = run->err;
      while (!err.empty() && err.back() == '\n') err.pop_back();
      return Status(ErrorCode::kDeployFailed, err.empty() ? "fetch failed" : err);
    }
    auto j = nlohmann::json::parse(run->out, nullptr, false);
    Fetched f;
    bool valid =
        j.is_object() && j.contains("command") && j["command"].is_array() && !j["command"].empty();
    for (const auto& arg : valid ? j["command"] : nlohmann::json::array()) {
      valid = valid && arg.is_string();
      if (valid) f.command.push_back(arg.get<std::string>());
    }
    if (!valid) {
      return Status(ErrorCode::kDeployFailed, "fetch: unexpected agent output: " + run->out);
    }
    if (auto it = j.find("health_path"); it != j.end() && it->is_string()) f.health_path = *it;
    for (const char* phase : {"fetch", "verify", "unpack"}) {
      auto it = j.find(std::string(phase) + "_ms");
      report(phase, it != j.end() && it->is_number_integer() ? it->get<long long>() : 0);
    }
    return f;
  }

  Result<Instance> StartInstance(const ReleaseSpec& spec, const Release& rel,
                                 const std::vector<std::string>& command, int index) {
    AETHER_ASSIGN_OR_RETURN(int port, FreePort());
    fs::path logs = fs::path(o_.data_dir) / "logs" / spec.app;
    std::error_code ec;
    fs::create_directories(logs, ec);
    std::string base = (logs / (rel.deployment_id + "." + std::to_string(index))).string();
    local::SpawnOptions so;
    so.argv = {o_.agent_path,
               "run",
               "--dir",
               rel.dir,
               "--grace-ms",
               std::to_string(o_.stop_grace.count()),
               "--status-file",
               base + ".status.json",
               "--"};
    so.argv.insert(so.argv.end(), command.begin(), command.end());
    so.env = {"PORT=" + std::to_string(port), "NODE_ENV=production", "AETHER_APP=" + spec.app,
              "AETHER_DEPLOYMENT=" + spec.deployment_id, "HOME=" + rel.dir};
    for (const char* name : {"PATH", "LANG", "TZ", "NODE_EXTRA_CA_CERTS"}) {
      if (const char* v = std::getenv(name)) so.env.push_back(std::string(name) + "=" + v);
    }
    for (const auto& [k, v] : spec.env) so.env.push_back(k + "=" + v);
    so.stdout_path = base + ".stdout.log";
    so.stderr_path = base + ".stderr.log";
    AETHER_ASSIGN_OR_RETURN(pid_t pid, local::Spawn(so));
    return Instance{pid, std::make_shared<local::Backend>(port), so.stderr_path, so.stdout_path,
                    base + ".status.json"};
  }

  Status WaitReady(const Instance& inst, const std::string& health_path) {
    auto deadline = Clock::now() + o_.ready_timeout;
    while (Clock::now() < deadline) {
      if (auto st = local::TryWait(inst.pid)) {
        return CrashStatus("the agent " + local::DescribeExit(*st), inst);
      }
      if (CountRestarts(inst) >= o_.crash_limit) {
        return CrashStatus(
            "the app crashed " + std::to_string(o_.crash_limit) + " times before becoming ready",
            inst);
      }
      if (Probe(inst.backend->port, health_path)) return Status::Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return CrashStatus("not ready after " + std::to_string(o_.ready_timeout.count()) + " ms" +
                           (health_path.empty() ? " (TCP check)" : " (GET " + health_path + ")"),
                       inst);
  }

  static bool Probe(int port, const std::string& health_path) {
    http::Request req;
    req.method = "GET";
    req.target = health_path.empty() ? "/" : health_path;
    req.headers["Host"] = "127.0.0.1:" + std::to_string(port);
    auto res = http::Forward(req, "127.0.0.1", port, std::chrono::milliseconds(1000));
    if (!res.ok()) return false;
    return health_path.empty() || (res->status >= 200 && res->status < 400);
  }

  // How often the agent has restarted the app (0 until its status file appears).
  static long long CountRestarts(const Instance& inst) {
    auto text = ReadFile(inst.status_file);
    if (!text.ok()) return 0;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    auto it = j.is_object() ? j.find("restarts") : j.end();
    return it != j.end() && it->is_number_integer() ? it->get<long long>() : 0;
  }

  // The failure with the app's own last lines (the agent's restart notices left out).
  static Status CrashStatus(const std::string& what, const Instance& inst) {
    std::string out;
    for (const auto& path : {inst.stderr_log, inst.stdout_log}) {
      std::istringstream lines(local::TailFile(path, 50));
      std::vector<std::string> kept;
      for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("[aether-agent]")) kept.push_back(line);
      }
      size_t from = kept.size() > 5 ? kept.size() - 5 : 0;
      for (size_t i = from; i < kept.size(); ++i) out += "\n  " + kept[i];
      if (!out.empty()) break;
    }
    return {ErrorCode::kDeployFailed, what + (out.empty() ? "" : "; last output:" + out)};
  }

  Status Fail(Release& rel, Status why) {
    StopRelease(rel, /*drain=*/false);
    if (why.code() != ErrorCode::kDeployFailed) why = {ErrorCode::kDeployFailed, why.message()};
    return why;
  }

  // Drains and stops a replaced release in the background; Shutdown waits for it.
  void Retire(Release old) {
    {
      std::lock_guard lock(mu_);
      ++retiring_;
    }
    std::thread([this, rel = std::move(old)]() mutable {
      StopRelease(rel, /*drain=*/true);
      std::lock_guard lock(mu_);
      if (--retiring_ == 0) retired_.notify_all();
    }).detach();
  }

  void StopRelease(Release& rel, bool drain) {
    if (drain) {
      auto deadline = Clock::now() + o_.drain_timeout;
      for (const auto& inst : rel.instances) {
        while (inst.backend->inflight > 0 && Clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    }
    for (const auto& inst : rel.instances) local::Stop(inst.pid, o_.stop_grace);
    std::error_code ec;
    fs::remove_all(rel.dir, ec);
  }

  LocalRuntimeOptions o_;
  local::RouteTable routes_;
  std::unique_ptr<http::Server> router_;
  std::mutex mu_;
  std::map<std::string, Release> current_;
  std::condition_variable retired_;
  int retiring_ = 0;  // releases being drained by detached threads
};

}  // namespace

Result<std::unique_ptr<Runtime>> OpenLocalRuntime(const LocalRuntimeOptions& options) {
  auto rt = std::make_unique<LocalRuntime>(options);
  AETHER_RETURN_IF_ERROR(rt->Start());
  return std::unique_ptr<Runtime>(std::move(rt));
}

}  // namespace aether
