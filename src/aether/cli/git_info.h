// GitInfo: the commit, dirtiness and origin remote of the project directory, read with the
// git CLI for provenance. Value type and a blocking free function (runs child processes);
// thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::cli {

struct GitInfo {
  bool in_repo = false;  // false also when git is missing or the repo has no commits
  std::string commit;    // full hex object id of HEAD
  bool dirty = false;    // tracked changes or untracked (non-ignored) files
  std::string remote;    // origin's URL without credentials; "" when there is no origin
};

// Reads `dir`'s git state. Not being in a repository is not an error; a git failure after
// HEAD resolved is kInternal.
Result<GitInfo> ReadGitInfo(const std::string& dir);

// `url` without a "user[:password]@" part in a scheme URL ("https://u:p@h/x" →
// "https://h/x"). scp-like "git@host:path" is left alone: its user is not a secret.
std::string StripUrlUserinfo(std::string_view url);

}  // namespace aether::cli
