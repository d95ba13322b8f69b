// Deterministic layer packing: a sorted tar (fixed mtime, uid/gid 0, normalised modes)
// compressed with multithreaded zstd, hashed while it is written, with a sha256 per entry
// taken from the same read. Same tree → same digest on any machine, whatever the mtimes, the
// umask or the number of cores. Stateless functions; thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "aether/artifact/ignore.h"
#include "aether/artifact/manifest.h"
#include "aether/artifact/native.h"
#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::artifact {

struct PackedLayer {
  Digest digest;                                // sha256 of the compressed bytes in `path`
  int64_t size = 0;                             // compressed size
  int64_t files = 0;                            // regular files and symlinks packed
  int64_t raw_bytes = 0;                        // sum of file sizes before compression
  std::string path;                             // the written .tar.zst
  std::vector<FileEntry> entries = {};          // every archive entry, sorted by path
  std::vector<NativeAddon> native_addons = {};  // the `*.node` files, sorted by path
  std::vector<std::string> gyp_packages = {};   // directories holding a binding.gyp, sorted
};

struct PackOptions {
  std::string prefix;  // path prefix inside the archive ("node_modules" for deps), or ""
  int zstd_level = 3;
  // zstd worker threads; 0 picks one per core, at most 4. The compressed bytes are the same
  // for every value (zstd's multithreaded format does not depend on the worker count; its
  // single-threaded one, which is never used, differs).
  int zstd_workers = 0;
};

// Packs every regular file and symlink under `root` not ignored by `ignore` into `out_path`.
// Symlinks pointing outside `root` (absolute, or escaping with "..") are refused; so are
// links with ".." after a name ("a/../b"), which UnpackLayer refuses too. Directories get no
// entries of their own except empty ones (after ignoring), kept with mode 0755.
// Symlinked directories are packed as links, never followed; sockets and FIFOs are skipped.
// Each file is read once: the same bytes feed the archive and the entry's sha256. `*.node`
// files are inspected as native addons (unrecognised ones are listed with an unknown
// platform) and directories holding a binding.gyp are listed as building from source.
Result<PackedLayer> PackTree(const std::string& root, const IgnoreRules& ignore,
                             const std::string& out_path, const PackOptions& options = {});

// The manifest's entry for a packed layer: digest, size, media type, `role` and file list.
inline Layer ManifestLayer(const PackedLayer& packed, std::string role) {
  return Layer{packed.digest, packed.size, std::string(kLayerMediaType), std::move(role),
               packed.entries};
}

// Adds the layer's native addons to m->native_addons, keeping the list sorted by path.
inline void AddNativeAddons(const PackedLayer& packed, Manifest* m) {
  m->native_addons.insert(m->native_addons.end(), packed.native_addons.begin(),
                          packed.native_addons.end());
  std::stable_sort(m->native_addons.begin(), m->native_addons.end(),
                   [](const NativeAddon& x, const NativeAddon& y) { return x.path < y.path; });
}

}  // namespace aether::artifact
