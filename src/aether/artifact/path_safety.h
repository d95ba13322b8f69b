// Path rules shared by PackTree, UnpackLayer and IgnoreRules: path splitting, archive entry
// path normalisation and the symlink-target rule both pack and unpack enforce. Internal to the
// artifact module; pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"

namespace aether::artifact::internal {

// The components of a '/'-separated path, without empty and "." ones ("a//./b/" → {a, b}).
std::vector<std::string_view> SplitPath(std::string_view path);

// Normalises an archive entry path: drops "." and empty components and a trailing "/".
// Fails (kInvalidArgument, "unsafe path '<raw>' in layer") for absolute paths, any ".."
// component, NUL bytes, or a path with no components.
Result<std::string> CleanEntryPath(std::string_view raw);

// Whether a symlink stored at `link_path` (clean, relative) may point at `target`.
// Accepted: a relative target made of k leading ".." components followed only by names
// ("."/empty components ignored), with k no deeper than the link's directory. Because no
// ".." follows a name, no chain of such links can resolve outside the tree, whatever
// the other links point at.
bool SymlinkTargetSafe(std::string_view link_path, std::string_view target);

}  // namespace aether::artifact::internal
