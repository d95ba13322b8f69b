// Small file helpers over POSIX: PATH lookup, and atomic writes (temp file in the same
// directory, fsync, rename) with an explicit mode, for secrets and config that must never be seen
// half-written or world-readable. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether {

// Replaces `path` with `data`; the file has `mode` from its first byte (e.g. 0600).
// kInternal "cannot write <path>: <reason>" on failure, leaving `path` untouched.
Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode);

// The whole file; kNotFound when it cannot be opened.
Result<std::string> ReadFile(const std::string& path);

// The path of the executable `name` on $PATH (or `name` itself when it holds a '/'), "" when
// there is none.
std::string FindOnPath(const std::string& name);

}  // namespace aether
