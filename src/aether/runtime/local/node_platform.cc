// ProbeNodePlatform: one `node -p` that prints the tuple as JSON.
#include "aether/runtime/local/node_platform.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "aether/runtime/local/process.h"

namespace aether::local {

namespace {

// `node` on aetherd's PATH, the one the agents' children will exec; "" when absent.
std::string FindNode() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/node";
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

}  // namespace

Result<Platform> ProbeNodePlatform() {
  std::string node = FindNode();
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
