// Manifest: what an artifact is made of (layers by digest), how to start it and the platform
// it was built for. Its canonical JSON bytes hash to the artifact digest. Value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::artifact {

inline constexpr std::string_view kLayerMediaType = "application/vnd.aether.layer.v1.tar+zstd";
inline constexpr std::string_view kManifestMediaType = "application/vnd.aether.manifest.v1+json";

struct Layer {
  Digest digest;
  int64_t size = 0;
  std::string media_type{kLayerMediaType};
  std::string role;  // "deps" (production node_modules) or "app" (the source tree)
};

struct Platform {
  std::string os;        // "linux"
  std::string arch;      // "x64", "arm64" (Node's process.arch)
  std::string libc;      // "glibc" or "musl"
  std::string node_abi;  // process.versions.modules, e.g. "115"
};

struct Manifest {
  int schema_version = 1;
  std::string app;
  std::vector<Layer> layers;         // unpacked in order into one directory
  std::vector<std::string> command;  // argv: {"node", "server.js"}
  std::string node_version;          // "20.20.2" or a range from engines / .nvmrc
  std::string health_path;           // HTTP readiness path; "" means a TCP check
  Platform platform;
  std::string created_by;  // "aether-cli/0.1.0"
};

// Canonical JSON: sorted keys, no insignificant whitespace. Same manifest → same bytes.
std::string SerializeManifest(const Manifest& m);
// Parses and validates (schema_version 1, ≥1 layer, digests valid, non-empty command).
Result<Manifest> ParseManifest(std::string_view json);

}  // namespace aether::artifact
