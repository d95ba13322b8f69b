// CLI configuration: the server URL and token, stored as JSON in
// $XDG_CONFIG_HOME/aether/config.json (mode 0600, directory 0700, written atomically) and
// overridden by AETHER_SERVER / AETHER_TOKEN and --server; the CA file (ca_file) likewise by
// AETHER_CA_FILE and --ca-file. Free functions; thread-compatible.
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
  std::string ca_file = {};  // PEM CA to verify an https server with; "" = the system store
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
// The CA file to verify the server with: `flag` when non-empty, else AETHER_CA_FILE, else the
// config file's ca_file (an unreadable config counts as none), else "".
std::string ResolveCaFile(const std::string& path, const std::string& flag);
// kFailedPrecondition "cannot read CA file …" unless `ca_file` is a readable PEM certificate.
Status CheckCaFile(const std::string& ca_file);

// kFailedPrecondition "not logged in…" when the config has no token.
Status RequireToken(const Config& config);

// "http://h:1/" → "http://h:1"; adds "http://" when no scheme is given.
std::string NormalizeServerUrl(std::string_view url);

}  // namespace aether::cli
