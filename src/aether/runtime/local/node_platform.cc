// ProbeNodePlatform: one `node -p` that prints the tuple as JSON.
#include "aether/runtime/local/node_platform.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "aether/core/files.h"
#include "aether/runtime/local/process.h"

namespace aether::local {

Result<Platform> ProbeNodePlatform() {
  std::string node = FindOnPath("node");  // the one the agents' children will exec
  if (node.empty()) return FailedPrecondition("node is not on PATH");
  SpawnOptions so;
  so.argv = {node, "-p",
             "JSON.stringify({os: process.platform, arch: process.arch, abi: "
             "process.versions.modules, glibc: !!process.report.getReport().header."
             "glibcVersionRuntime})"};
  auto run = RunCaptured(so, std::chrono::seconds(20));
  if (!run.ok()) return FailedPrecondition("cannot run node: " + run.status().message());
  if (run->exit_code != 0) {
    return FailedPrecondition("node failed (exit " + std::to_string(run->exit_code) +
                              "): " + run->err.substr(0, 200));
  }
  auto j = nlohmann::json::parse(run->out, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j["os"].is_string() || !j["arch"].is_string() || !j["abi"].is_string()) {
    return FailedPrecondition("unexpected answer from node: " + run->out.substr(0, 200));
  }
  std::string os = j["os"].get<std::string>();
  bool glibc = j["glibc"].is_boolean() && j["glibc"].get<bool>();
  std::string libc = os != "linux" ? "" : glibc ? "glibc" : "musl";
  return Platform{os, j["arch"].get<std::string>(), libc, j["abi"].get<std::string>()};
}

}  // namespace aether::local
