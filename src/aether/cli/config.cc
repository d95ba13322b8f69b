// Config file I/O (atomic, private modes) and environment overrides.
#include "aether/cli/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aether/core/files.h"

namespace aether::cli {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string HomeBased(const char* xdg_var, const char* fallback) {
  std::string base = Env(xdg_var);
  if (base.empty()) {
    std::string home = Env("HOME");
    if (home.empty()) home = ".";
    base = home + "/" + fallback;
  }
  return base + "/aether";
}

}  // namespace

std::string ConfigPath() { return HomeBased("XDG_CONFIG_HOME", ".config") + "/config.json"; }

std::string CacheDir() { return HomeBased("XDG_CACHE_HOME", ".cache"); }

std::string NormalizeServerUrl(std::string_view url) {
  std::string out(url);
  while (!out.empty() && (out.back() == '/' || out.back() == ' ')) out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  if (!out.empty() && out.find("://") == std::string::npos) out = "http://" + out;
  return out;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Config{};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return FailedPrecondition("cannot read config " + path + ": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return FailedPrecondition("config " + path + " is not a JSON object; fix or remove it");
  }
  Config config;
  if (auto it = j.find("server"); it != j.end() && it->is_string()) {
    config.server = NormalizeServerUrl(it->get<std::string>());
  }
  if (auto it = j.find("token"); it != j.end() && it->is_string()) {
    config.token = it->get<std::string>();
  }
  if (auto it = j.find("ca_file"); it != j.end() && it->is_string()) {
    config.ca_file = it->get<std::string>();
  }
  return config;
}

Status SaveConfigFile(const std::string& path, const Config& config) {
  fs::path dir = fs::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty()) {
    fs::create_directories(dir, ec);
    if (ec) {
      return FailedPrecondition("cannot create " + dir.string() + ": " + ec.message());
    }
    ::chmod(dir.c_str(), 0700);
  }
  nlohmann::json j = nlohmann::json::object();
  if (!config.server.empty()) j["server"] = config.server;
  if (!config.token.empty()) j["token"] = config.token;
  if (!config.ca_file.empty()) j["ca_file"] = config.ca_file;
  std::string text = j.dump(2) + "\n";

  Status st = WriteFileAtomic(path, text, 0600);
  if (!st.ok()) return FailedPrecondition("config: " + st.message());
  return Status::Ok();
}

Result<Config> ResolveConfig(const std::string& path, const std::string& server_flag) {
  AETHER_ASSIGN_OR_RETURN(Config config, LoadConfigFile(path));
  if (std::string s = Env("AETHER_SERVER"); !s.empty()) config.server = NormalizeServerUrl(s);
  if (std::string t = Env("AETHER_TOKEN"); !t.empty()) config.token = t;
  if (!server_flag.empty()) config.server = NormalizeServerUrl(server_flag);
  if (config.server.empty()) config.server = std::string(kDefaultServer);
  return config;
}

std::string ResolveCaFile(const std::string& path, const std::string& flag) {
  if (!flag.empty()) return flag;
  if (std::string env = Env("AETHER_CA_FILE"); !env.empty()) return env;
  auto config = LoadConfigFile(path);
  return config.ok() ? config->ca_file : "";
}

Status CheckCaFile(const std::string& ca_file) {
  std::ifstream in(ca_file, std::ios::binary);
  if (!in) {
    return FailedPrecondition("cannot read CA file " + ca_file + ": " + std::strerror(errno));
  }
  std::string head(65536, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return FailedPrecondition("CA file " + ca_file + " is not a PEM certificate");
  }
  return Status::Ok();
}

Status RequireToken(const Config& config) {
  if (!config.token.empty()) return Status::Ok();
  return FailedPrecondition("not logged in: run `aether login --server " + config.server +
                            " --token TOKEN` or set AETHER_TOKEN");
}

}  // namespace aether::cli
