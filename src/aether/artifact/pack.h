// Deterministic layer packing: a sorted tar (fixed mtime, uid/gid 0, normalised modes)
// compressed with zstd, hashed while it is written. Same tree → same digest on any machine,
// whatever the mtimes or umask. Stateless functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "aether/artifact/ignore.h"
#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::artifact {

struct PackedLayer {
  Digest digest;          // sha256 of the compressed bytes in `path`
  int64_t size = 0;       // compressed size
  int64_t files = 0;      // regular files and symlinks packed
  int64_t raw_bytes = 0;  // sum of file sizes before compression
  std::string path;       // the written .tar.zst
};

struct PackOptions {
  std::string prefix;  // path prefix inside the archive ("node_modules" for deps), or ""
  int zstd_level = 3;
};

// Packs every regular file and symlink under `root` not ignored by `ignore` into `out_path`.
// Symlinks pointing outside `root` (absolute, or escaping with "..") are refused; so are
// links with ".." after a name ("a/../b"), which UnpackLayer refuses too. Directories get no
// entries of their own except empty ones (after ignoring), kept with mode 0755.
// Symlinked directories are packed as links, never followed; sockets and FIFOs are skipped.
Result<PackedLayer> PackTree(const std::string& root, const IgnoreRules& ignore,
                             const std::string& out_path, const PackOptions& options = {});

}  // namespace aether::artifact
