// Project detection for `aether deploy`: reads DIR/package.json and the files beside it to
// find the package manager, lockfile, Node version, start command, health path and app name.
// Value types and free functions; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aether/cli/platform.h"
#include "aether/core/status.h"

namespace aether::cli {

enum class PackageManager { kNpm, kYarn, kPnpm };
std::string_view PackageManagerName(PackageManager pm);

struct Project {
  std::string dir;              // as given (absolute when the caller made it so)
  std::string package_name;     // package.json "name", raw
  std::string package_version;  // package.json "version", "" when absent
  std::string app_name;         // SanitizeAppName(package_name), else of the dir name
  PackageManager manager = PackageManager::kNpm;
  std::string lockfile;              // "package-lock.json", "yarn.lock"…; "" when none
  std::string node_version;          // engines.node, else .nvmrc, else the local `node`
  std::string node_version_source;   // "engines.node", ".nvmrc" or "node --version"
  std::vector<std::string> command;  // argv to start the app
  std::string health_path;           // package.json aether.healthPath, or ""
  bool has_dependencies = false;     // a non-empty "dependencies" object
  std::string dependencies_json;     // canonical JSON of "dependencies" ("{}" when none)
};

// Reads DIR/package.json. Project problems (no package.json, malformed JSON, no start
// command, no way to know the Node version) are kFailedPrecondition / kInvalidArgument.
Result<Project> DetectProject(const std::string& dir, const LocalNode& local_node);

// The app name for DIR without a full detection (for `aether status`): the sanitized
// package.json name, else the sanitized directory name. kFailedPrecondition when neither works.
Result<std::string> AppNameForDir(const std::string& dir);

// "node server.js --port 3" → {"node","server.js","--port","3"}; nullopt when the script
// needs a shell (quotes, $, pipes, redirects, globs, `VAR=x cmd`…) or is blank.
std::optional<std::vector<std::string>> SplitPlainCommand(std::string_view script);
// SplitPlainCommand, else {"/bin/sh", "-c", script}.
std::vector<std::string> StartScriptArgv(std::string_view script);

}  // namespace aether::cli
