// Path rules shared by PackTree and UnpackLayer: archive entry path normalisation and the
// symlink-target rule both sides enforce. Internal to the artifact module; pure functions,
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::artifact::internal {

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
