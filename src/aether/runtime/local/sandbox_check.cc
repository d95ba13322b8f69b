// CheckSandbox (sandbox_check.h): one sandboxed `true` through the real agent, so the check
// exercises exactly what the instances will run (bwrap, namespaces, the drop to nobody).
#include "aether/runtime/local/sandbox_check.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "aether/runtime/local/process.h"

namespace aether::local {

Status CheckSandbox(const std::string& agent_path, const std::string& data_dir) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(data_dir) / "runtime" / "sandbox-check";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create " + dir.string() + ": " + ec.message());
  SpawnOptions so;
  so.argv = {agent_path, "run",   "--sandbox",  "--no-restart", "--grace-ms",
             "1000",     "--dir", dir.string(), "--",           "true"};
  const char* path = std::getenv("PATH");
  so.env = {std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin")};
  auto run = RunCaptured(so, std::chrono::seconds(30));
  fs::remove_all(dir, ec);
  std::string why;
  if (!run.ok()) {
    why = run.status().message();
  } else if (run->exit_code != 0) {
    // The first line that is not the agent's own notice says what bwrap or exec ran into.
    why = "exit code " + std::to_string(run->exit_code);
    std::string err = run->err;
    for (size_t start = 0; start < err.size();) {
      size_t end = err.find('\n', start);
      std::string line = err.substr(start, end == std::string::npos ? end : end - start);
      start = end == std::string::npos ? err.size() : end + 1;
      if (!line.empty() && !line.starts_with("[aether-agent]")) {
        why = line;
        break;
      }
    }
  } else {
    return Status::Ok();
  }
  return FailedPrecondition(
      "cannot run apps in the bubblewrap sandbox here (" + why +
      "); install bubblewrap (apt-get install bubblewrap) and allow unprivileged user "
      "namespaces (sysctl user.max_user_namespaces > 0), or start aetherd with --sandbox off "
      "(AETHER_SANDBOX=off) to run apps without the sandbox");
}

}  // namespace aether::local
