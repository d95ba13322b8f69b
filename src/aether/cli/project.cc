// DetectProject and start-script parsing.
#include "aether/cli/project.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aether/core/names.h"

namespace aether::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::optional<std::string> ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// obj[key] when it is a non-empty string.
std::string StringField(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

Result<json> ReadPackageJson(const std::string& dir) {
  fs::path path = fs::path(dir) / "package.json";
  if (!IsFile(path)) {
    return FailedPrecondition("no package.json in " + dir + ": is this a Node.js project?");
  }
  std::optional<std::string> text = ReadText(path);
  if (!text) return FailedPrecondition("cannot read " + path.string());
  json pkg = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (pkg.is_discarded() || !pkg.is_object()) {
    return InvalidArgument(path.string() + " is not a valid JSON object");
  }
  return pkg;
}

std::string DirName(const std::string& dir) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  return abs.filename().string();
}

}  // namespace

std::string_view PackageManagerName(PackageManager pm) {
  switch (pm) {
    case PackageManager::kNpm:
      return "npm";
    case PackageManager::kYarn:
      return "yarn";
    case PackageManager::kPnpm:
      return "pnpm";
  }
  return "npm";
}

std::optional<std::vector<std::string>> SplitPlainCommand(std::string_view script) {
  static constexpr std::string_view kShellChars = "|&;<>()$`\\\"'*?[]{}~!#\n";
  if (script.find_first_of(kShellChars) != std::string_view::npos) return std::nullopt;
  std::vector<std::string> argv;
  size_t i = 0;
  while (i < script.size()) {
    size_t b = script.find_first_not_of(" \t\r", i);
    if (b == std::string_view::npos) break;
    size_t e = script.find_first_of(" \t\r", b);
    if (e == std::string_view::npos) e = script.size();
    argv.emplace_back(script.substr(b, e - b));
    i = e;
  }
  if (argv.empty()) return std::nullopt;
  if (argv.front().find('=') != std::string::npos) return std::nullopt;  // VAR=x cmd
  return argv;
}

std::vector<std::string> StartScriptArgv(std::string_view script) {
  if (auto argv = SplitPlainCommand(script)) return *argv;
  return {"/bin/sh", "-c", std::string(script)};
}

Result<std::string> AppNameForDir(const std::string& dir) {
  AETHER_ASSIGN_OR_RETURN(json pkg, ReadPackageJson(dir));
  std::string name = SanitizeAppName(StringField(pkg, "name"));
  if (name.empty()) name = SanitizeAppName(DirName(dir));
  if (name.empty()) {
    return FailedPrecondition("cannot derive an app name from " + dir + ": pass --app NAME");
  }
  return name;
}

Result<Project> DetectProject(const std::string& dir, const LocalNode& local_node) {
  AETHER_ASSIGN_OR_RETURN(json pkg, ReadPackageJson(dir));
  fs::path root(dir);
  Project p;
  p.dir = dir;
  p.package_name = StringField(pkg, "name");
  p.package_version = StringField(pkg, "version");
  p.app_name = SanitizeAppName(p.package_name);
  if (p.app_name.empty()) p.app_name = SanitizeAppName(DirName(dir));

  // Package manager, by lockfile.
  static const struct {
    const char* file;
    PackageManager pm;
  } kLockfiles[] = {{"package-lock.json", PackageManager::kNpm},
                    {"npm-shrinkwrap.json", PackageManager::kNpm},
                    {"yarn.lock", PackageManager::kYarn},
                    {"pnpm-lock.yaml", PackageManager::kPnpm}};
  for (const auto& lf : kLockfiles) {
    if (IsFile(root / lf.file)) {
      p.lockfile = lf.file;
      p.manager = lf.pm;
      break;
    }
  }

  // Node version.
  if (auto it = pkg.find("engines"); it != pkg.end()) {
    p.node_version = Trim(StringField(*it, "node"));
    if (!p.node_version.empty()) p.node_version_source = "engines.node";
  }
  if (p.node_version.empty() && IsFile(root / ".nvmrc")) {
    std::string v = Trim(ReadText(root / ".nvmrc").value_or(""));
    v = v.substr(0, v.find_first_of(" \t\r\n"));
    if (v.size() > 1 && (v[0] == 'v' || v[0] == 'V') &&
        std::isdigit(static_cast<unsigned char>(v[1]))) {
      v.erase(0, 1);
    }
    p.node_version = v;
    if (!v.empty()) p.node_version_source = ".nvmrc";
  }
  if (p.node_version.empty() && !local_node.version.empty()) {
    p.node_version = local_node.version;
    p.node_version_source = "node --version";
  }
  if (p.node_version.empty()) {
    return FailedPrecondition(
        "cannot tell which Node.js version to run: add engines.node to package.json or a "
        ".nvmrc, or install node");
  }

  // Start command.
  std::string start;
  if (auto it = pkg.find("scripts"); it != pkg.end()) start = Trim(StringField(*it, "start"));
  std::string main = Trim(StringField(pkg, "main"));
  if (!start.empty()) {
    p.command = StartScriptArgv(start);
  } else if (!main.empty()) {
    p.command = {"node", main};
  } else if (IsFile(root / "index.js")) {
    p.command = {"node", "index.js"};
  } else {
    return FailedPrecondition("no start command: add scripts.start or main to package.json");
  }

  if (auto it = pkg.find("aether"); it != pkg.end()) {
    p.health_path = Trim(StringField(*it, "healthPath"));
    if (!p.health_path.empty() && p.health_path[0] != '/') p.health_path.insert(0, "/");
  }

  if (auto it = pkg.find("dependencies"); it != pkg.end() && it->is_object()) {
    p.has_dependencies = !it->empty();
    p.dependencies_json = it->dump();  // nlohmann objects are key-sorted: canonical
  } else {
    p.dependencies_json = "{}";
  }
  return p;
}

}  // namespace aether::cli
