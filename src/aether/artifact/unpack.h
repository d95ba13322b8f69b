// Safe layer unpacking: refuses absolute paths, "..", links escaping the target, hard links,
// devices and FIFOs, and enforces size/entry limits. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "aether/core/status.h"

namespace aether::artifact {

struct UnpackLimits {
  int64_t max_total_bytes = 4LL << 30;  // sum of entry sizes
  int64_t max_file_bytes = 1LL << 30;
  int64_t max_entries = 500000;
};

// Extracts the tar.zst (or plain tar) at `archive_path` into `dest_dir` (created if missing).
// On an unsafe entry returns kInvalidArgument naming it ("unsafe path '../x'"); on a limit,
// kPayloadTooLarge. What was extracted before the failure is left for the caller to remove.
Status UnpackLayer(const std::string& archive_path, const std::string& dest_dir,
                   const UnpackLimits& limits = {});

}  // namespace aether::artifact
