// CLI configuration: the server URL and token, stored as JSON in
// $XDG_CONFIG_HOME/aether/config.json (mode 0600, directory 0700, written atomically) and
// overridden by AETHER_SERVER / AETHER_TOKEN and --server. Free functions; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::cli {

inline constexpr std::string_view kCliVersion = "0.1.0";
inline constexpr std::string_view kDefaultServer = "http://127.0.0.1:7070";

struct Config {
  std::string server;  // "http://127.0.0.1:7070", no trailing '/'
  std::string token;
};

// $XDG_CONFIG_HOME/aether/config.json, else $HOME/.config/aether/config.json.
std::string ConfigPath();
// $XDG_CACHE_HOME/aether, else $HOME/.cache/aether.
std::string CacheDir();

// A missing file is an empty Config; an unreadable or malformed one is kFailedPrecondition.
Result<Config> LoadConfigFile(const std::string& path);
// Creates the directory (0700) and replaces the file atomically (temp file 0600 + rename).
Status SaveConfigFile(const std::string& path, const Config& config);

// The file, then AETHER_SERVER / AETHER_TOKEN, then `server_flag` when non-empty. The server
// defaults to kDefaultServer. Does not require a token (see RequireToken).
Result<Config> ResolveConfig(const std::string& path, const std::string& server_flag);
// kFailedPrecondition "not logged in…" when the config has no token.
Status RequireToken(const Config& config);

// "http://h:1/" → "http://h:1"; adds "http://" when no scheme is given.
std::string NormalizeServerUrl(std::string_view url);

}  // namespace aether::cli
