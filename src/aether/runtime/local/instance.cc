// Fetch, spawn, readiness and re-attach checks for the local runtime's instances (instance.h).
// Stateless free functions over the agent binary, /proc and HTTP probes.
#include "aether/runtime/local/instance.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "aether/core/clock.h"
#include "aether/core/files.h"
#include "aether/http/proxy.h"
#include "aether/logs/file_tail.h"
#include "aether/logs/log_line.h"
#include "aether/runtime/local/file_log_source.h"
#include "aether/runtime/local/process.h"

namespace aether::local {
namespace {

namespace fs = std::filesystem;
using Clock = SteadyClock;

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

// How often the agent has restarted the app (0 until its status file appears).
long long CountRestarts(const Instance& inst) {
  auto text = ReadFile(inst.status_file);
  if (!text.ok()) return 0;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  auto it = j.is_object() ? j.find("restarts") : j.end();
  return it != j.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

// The agent's own stderr (failures before it captures anything), beside the log file.
std::string AgentLogPath(const std::string& log_file) {
  std::string base =
      log_file.ends_with(".log") ? log_file.substr(0, log_file.size() - 4) : log_file;
  return base + ".agent.log";
}

// The app's last lines of output (stdout and stderr; the agent's events left out), else what
// the agent itself printed.
std::vector<std::string> LastOutput(const Instance& inst, size_t n) {
  std::vector<std::string> kept;
  std::istringstream lines(TailFile(inst.log_file, 200));
  std::vector<logs::FileRecord> records;
  logs::RecordJoiner joiner;
  for (std::string line; std::getline(lines, line);) joiner.Add(line, &records);
  for (const auto& r : records) {
    if (r.stream != logs::kEventStream) kept.push_back(r.message);
  }
  if (kept.empty()) {
    std::istringstream agent(TailFile(AgentLogPath(inst.log_file), 20));
    for (std::string line; std::getline(agent, line);) kept.push_back(line);
  }
  if (kept.size() > n) kept.erase(kept.begin(), kept.end() - static_cast<ptrdiff_t>(n));
  return kept;
}

// The failure with the app's own last lines.
Status CrashStatus(const std::string& what, const Instance& inst) {
  std::string out;
  for (const std::string& line : LastOutput(inst, 5)) out += "\n  " + line;
  return {ErrorCode::kDeployFailed, what + (out.empty() ? "" : "; last output:" + out)};
}

}  // namespace

Result<Fetched> FetchRelease(const LocalRuntimeOptions& o, const ReleaseSpec& spec,
                             const std::string& dest, const PhaseReporter& report) {
  SpawnOptions so;
  so.argv = {o.agent_path, "fetch",       "--server",
             o.server_url, "--app",       spec.app,
             "--artifact", spec.artifact, "--dest",
             dest,         "--cache",     (fs::path(o.data_dir) / "cache" / "layers").string()};
  if (o.require_signature) so.argv.emplace_back("--require-signature");
  so.env = {"AETHER_PULL_TOKEN=" + o.pull_token, "PATH=/usr/bin:/bin"};
  if (!o.server_ca_file.empty()) so.env.push_back("AETHER_CA_FILE=" + o.server_ca_file);
  auto run = RunCaptured(so, std::chrono::minutes(10));
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

Result<Instance> StartInstance(const LocalRuntimeOptions& o, const ReleaseSpec& spec,
                               const Release& rel, const std::vector<std::string>& command,
                               int index) {
  AETHER_ASSIGN_OR_RETURN(int port, FreePort());
  fs::path logs = fs::path(o.data_dir) / "logs" / spec.app;
  std::error_code ec;
  fs::create_directories(logs, ec);
  std::string base = (logs / InstanceName(spec.app, spec.version, index)).string();
  // A status file left by an earlier run of this instance (same release) would count its
  // restarts as ours.
  fs::remove(base + ".status.json", ec);
  SpawnOptions so;
  so.argv = {o.agent_path,      "run",
             "--dir",           rel.dir,
             "--grace-ms",      std::to_string(o.stop_grace.count()),
             "--status-file",   base + ".status.json",
             "--log-file",      base + ".log",
             "--log-max-bytes", std::to_string(o.log_max_bytes),
             "--log-keep",      std::to_string(o.log_keep)};
  if (o.sandbox) so.argv.emplace_back("--sandbox");
  so.argv.emplace_back("--");
  so.argv.insert(so.argv.end(), command.begin(), command.end());
  so.env = {"PORT=" + std::to_string(port),
            "HOST=127.0.0.1",
            "NODE_ENV=production",
            "AETHER_APP=" + spec.app,
            "AETHER_DEPLOYMENT=" + spec.deployment_id,
            "HOME=" + rel.dir};
  for (const char* name : {"PATH", "LANG", "TZ", "NODE_EXTRA_CA_CERTS"}) {
    if (const char* v = std::getenv(name)) so.env.push_back(std::string(name) + "=" + v);
  }
  for (const auto& [k, v] : spec.env) so.env.push_back(k + "=" + v);
  // The app's output goes to the log file; the agent's own stderr only says why it could not
  // start capturing (bad --dir, unwritable log file).
  so.stderr_path = AgentLogPath(base + ".log");
  so.detach = true;  // survives an aetherd restart; Resume re-attaches to it
  AETHER_ASSIGN_OR_RETURN(pid_t pid, Spawn(so));
  return Instance{pid, std::make_shared<Backend>(port), base + ".log", base + ".status.json"};
}

Status WaitReady(const LocalRuntimeOptions& o, const Instance& inst,
                 const std::string& health_path) {
  auto deadline = Clock::now() + o.ready_timeout;
  while (Clock::now() < deadline) {
    if (auto st = TryWait(inst.pid)) return CrashStatus("the agent " + DescribeExit(*st), inst);
    if (CountRestarts(inst) >= o.crash_limit) {
      return CrashStatus(
          "the app crashed " + std::to_string(o.crash_limit) + " times before becoming ready",
          inst);
    }
    if (Probe(inst.backend->port, health_path)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return CrashStatus("not ready after " + std::to_string(o.ready_timeout.count()) + " ms" +
                         (health_path.empty() ? " (TCP check)" : " (GET " + health_path + ")"),
                     inst);
}

bool Probe(int port, const std::string& health_path) {
  return http::ProbeReady("127.0.0.1", port, health_path, std::chrono::milliseconds(1000));
}

bool Reattachable(const Release& rel, const Instance& inst, std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  while (IsRunning(inst.pid, rel.dir)) {
    if (Probe(inst.backend->port, rel.health_path)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace aether::local
