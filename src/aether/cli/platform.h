// The build machine's platform tuple (os, Node arch name, libc) and its Node.js (version and
// ABI), probed once per node binary and cached under CacheDir(), so a deploy costs no extra
// `node` start. Free functions; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::cli {

struct LocalNode {
  std::string path;     // resolved path of `node` on PATH; "" when Node is not installed
  std::string version;  // "20.20.2" (no leading 'v')
  std::string major;    // "20"
  std::string abi;      // process.versions.modules, "115"
};

struct HostPlatform {
  std::string os;    // "linux"
  std::string arch;  // Node's process.arch: "x64", "arm64"…
  std::string libc;  // "glibc" or "musl"
};

// uname's machine name in Node's vocabulary: x86_64→x64, aarch64→arm64, i686→ia32…
std::string NodeArchFromMachine(std::string_view machine);
HostPlatform DetectHostPlatform();

// Probes `node` on PATH, cached in `cache_dir`/node.json keyed by the binary's path, size and
// mtime. Node missing is not an error: the result has an empty path.
Result<LocalNode> ProbeLocalNode(const std::string& cache_dir);

}  // namespace aether::cli
