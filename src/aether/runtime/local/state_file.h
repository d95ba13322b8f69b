// The local runtime's record of what runs per app, <data_dir>/runtime/<app>.json, so that a
// restarted aetherd can re-attach to (or clean up) the instances the previous one left. Value
// type and file I/O; stateless and thread-safe (LocalRuntime serialises the writes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"
#include "aether/runtime/local/instance.h"

namespace aether::local {

struct AppState {
  std::optional<Release> current;  // serving
  std::vector<Release> others;     // still starting, or replaced and being stopped
};

std::string StateFilePath(const std::string& data_dir, std::string_view app);

std::string EncodeAppState(const AppState& state);
// kInvalidArgument when `text` is not a state file.
Result<AppState> DecodeAppState(std::string_view text);

// Writes `state` atomically, or removes the file when it records nothing.
Status SaveAppState(const std::string& path, const AppState& state);
// kNotFound when there is no file.
Result<AppState> LoadAppState(const std::string& path);

}  // namespace aether::local
