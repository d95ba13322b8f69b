// Safe layer unpacking: refuses absolute paths, "..", links escaping the target, writing
// through symlinks, hard links, devices and FIFOs, and enforces entry, size and depth limits
// (zip-bomb safe: bytes are counted as they are written). Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "aether/core/status.h"

namespace aether::artifact {

// Bounds on what one layer may unpack to. The defaults are far above real Node apps (a deps
// layer with several hundred npm packages has tens of thousands of entries, a few hundred MB,
// and paths ~20 components deep: node_modules nesting plus package trees) yet stop a hostile
// layer before it fills the disk or the inode table: 500k entries, 4 GiB written, 1 GiB per
// file, 64 path components. Callers may tighten (or loosen) any of them.
struct UnpackLimits {
  int64_t max_entries = 500000;
  // Bytes actually written (a file's extent as it is decompressed, not its header's size);
  // extraction stops as soon as the sum passes this.
  int64_t max_total_bytes = 4LL << 30;
  int64_t max_file_bytes = 1LL << 30;
  int max_depth = 64;  // components of an entry path ("a/b/c" is 3)
};

// Extracts the tar.zst (or tar.gz, or plain tar) at `archive_path` into `dest_dir` (created if
// missing). On an unsafe entry returns kInvalidArgument naming it ("unsafe path '../x' in
// layer"); on a limit, kPayloadTooLarge ("layer has more than 500000 entries"). What was
// extracted before the failure is left for the caller to remove: unpack into a fresh
// temporary directory and rename it into place only on success (as aether-agent fetch does).
Status UnpackLayer(const std::string& archive_path, const std::string& dest_dir,
                   const UnpackLimits& limits = {});

}  // namespace aether::artifact
