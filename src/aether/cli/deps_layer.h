// The deps layer: production node_modules installed in a throwaway staging directory (never
// in the developer's tree), packed deterministically, cached by a key over the lockfile,
// dependencies, Node major, platform and install flags. Free functions; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "aether/artifact/pack.h"
#include "aether/cli/platform.h"
#include "aether/cli/project.h"
#include "aether/core/status.h"

namespace aether::cli {

struct DepsKeyInput {
  std::string lockfile_bytes;
  std::string dependencies_json;
  std::string node_major;  // of the Node that runs the install ("20")
  std::string os;
  std::string arch;
  std::string libc;
  std::string install_flags;  // the install argv joined with ' '
};

// Lowercase hex sha256 over the cache format tag and the length-prefixed fields: same inputs,
// same key.
std::string DepsCacheKey(const DepsKeyInput& in);

// The production install for a package manager (without checking that it is installed).
std::vector<std::string> InstallCommand(PackageManager pm, bool has_lockfile);

struct DepsLayer {
  artifact::PackedLayer layer;  // layer.path lives in the cache: do not delete it
  bool cached = false;          // reused: no install, no pack
  std::string key;
};

// Builds or reuses the deps layer of `project` (which must have dependencies). The cache is
// `cache_dir`/deps/<key>.tar.zst plus <key>.json, which keeps the layer's file entries, native
// addons and binding.gyp packages so a hit describes the layer exactly as a fresh pack does.
// A missing package manager or a failed install is kFailedPrecondition with the tool's last
// output lines.
Result<DepsLayer> BuildDepsLayer(const Project& project, const LocalNode& node,
                                 const HostPlatform& platform, const std::string& cache_dir);

}  // namespace aether::cli
