// Manifest: what an artifact is made of (layers by digest), how to start it and the platform
// it was built for. Its canonical JSON bytes hash to the artifact digest. Value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aether/artifact/native.h"
#include "aether/core/digest.h"
#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether::artifact {

inline constexpr std::string_view kLayerMediaType = "application/vnd.aether.layer.v1.tar+zstd";
inline constexpr std::string_view kManifestMediaType = "application/vnd.aether.manifest.v1+json";

// Modes a layer entry can have: type bits and the normalised permissions PackTree writes.
inline constexpr uint32_t kModeFile = 0100644;
inline constexpr uint32_t kModeExecutable = 0100755;
inline constexpr uint32_t kModeSymlink = 0120777;
inline constexpr uint32_t kModeDirectory = 040755;

// One entry of a layer. `size` and `sha256` describe the entry's bytes: a file's content, a
// symlink's target string, nothing for an (empty) directory.
struct FileEntry {
  std::string path;  // archive path, clean and relative: "node_modules/express/index.js"
  int64_t size = 0;
  uint32_t mode = kModeFile;  // one of the kMode* constants
  std::string sha256;         // 64 lowercase hex digits
  bool operator==(const FileEntry&) const = default;
};

struct Layer {
  Digest digest;
  int64_t size = 0;
  std::string media_type{kLayerMediaType};
  std::string role;                   // "deps" (production node_modules) or "app" (the source tree)
  std::vector<FileEntry> files = {};  // every entry, sorted by path (bytewise); may be empty
};

// The platform tuple (os, arch, libc, Node ABI) is core's, shared with the runtimes.
using Platform = ::aether::Platform;

struct Manifest {
  int schema_version = 1;
  std::string app;
  std::vector<Layer> layers;         // unpacked in order into one directory
  std::vector<std::string> command;  // argv: {"node", "server.js"}
  std::string node_version;          // "20.20.2" or a range from engines / .nvmrc
  std::string health_path;           // HTTP readiness path; "" means a TCP check
  Platform platform;
  std::string created_by;                       // "aether-cli/0.1.0"
  std::vector<NativeAddon> native_addons = {};  // of every layer, sorted by path
};

// Canonical JSON: sorted keys, no insignificant whitespace. Same manifest → same bytes.
std::string SerializeManifest(const Manifest& m);
// Layer files and native addons are written only when there are some.
// Parses and validates (schema_version 1, ≥1 layer, digests valid, non-empty command; file
// entries with clean paths in strictly ascending order, a known mode, size ≥ 0 and a sha256
// of 64 lowercase hex digits; addons with clean paths).
Result<Manifest> ParseManifest(std::string_view json);

}  // namespace aether::artifact
