// JSON encoding and atomic file I/O of the local runtime's per-app state (state_file.h).
// {"version":1,"current":RELEASE|null,"others":[RELEASE...]}, RELEASE = {deployment_id, dir,
// health_path, instances:[{pid, port, log_file, status_file}]}. Files written before the agents
// logged to one file hold stdout_log/stderr_log instead of log_file: still read.
#include "aether/runtime/local/state_file.h"

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "aether/core/files.h"

namespace aether::local {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kVersion = 1;

json EncodeRelease(const Release& rel) {
  json instances = json::array();
  for (const auto& inst : rel.instances) {
    instances.push_back({{"pid", inst.pid},
                         {"port", inst.backend ? inst.backend->port : 0},
                         {"log_file", inst.log_file},
                         {"status_file", inst.status_file}});
  }
  return {{"deployment_id", rel.deployment_id},
          {"dir", rel.dir},
          {"health_path", rel.health_path},
          {"instances", std::move(instances)}};
}

bool GetString(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool GetInt(const json& j, const char* key, long long& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<long long>();
  return true;
}

Result<Release> DecodeRelease(const json& j) {
  Release rel;
  auto bad = [](const std::string& what) { return InvalidArgument("runtime state: " + what); };
  if (!j.is_object() || !GetString(j, "deployment_id", rel.deployment_id) ||
      !GetString(j, "dir", rel.dir) || !GetString(j, "health_path", rel.health_path)) {
    return bad("release needs deployment_id, dir and health_path");
  }
  auto list = j.find("instances");
  if (list == j.end() || !list->is_array()) return bad("release needs instances");
  for (const auto& i : *list) {
    Instance inst;
    long long pid = 0;
    long long port = 0;
    if (!i.is_object() || !GetInt(i, "pid", pid) || !GetInt(i, "port", port) ||
        !GetString(i, "status_file", inst.status_file)) {
      return bad("instance needs pid, port and status_file");
    }
    GetString(i, "log_file", inst.log_file);  // absent in older files
    if (pid <= 0 || pid > (1LL << 22) || port <= 0 || port > 65535) {
      return bad("instance pid or port out of range");
    }
    inst.pid = static_cast<pid_t>(pid);
    inst.backend = std::make_shared<Backend>(static_cast<int>(port));
    rel.instances.push_back(std::move(inst));
  }
  return rel;
}

}  // namespace

std::string StateFilePath(const std::string& data_dir, std::string_view app) {
  return (fs::path(data_dir) / "runtime" / (std::string(app) + ".json")).string();
}

std::string EncodeAppState(const AppState& state) {
  json others = json::array();
  for (const auto& rel : state.others) others.push_back(EncodeRelease(rel));
  json j = {{"version", kVersion},
            {"current", state.current ? EncodeRelease(*state.current) : json(nullptr)},
            {"others", std::move(others)}};
  return j.dump(2) + "\n";
}

Result<AppState> DecodeAppState(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  long long version = 0;
  if (!j.is_object() || !GetInt(j, "version", version) || version != kVersion) {
    return InvalidArgument("runtime state: not a version 1 state file");
  }
  AppState state;
  auto current = j.find("current");
  if (current != j.end() && !current->is_null()) {
    AETHER_ASSIGN_OR_RETURN(Release rel, DecodeRelease(*current));
    state.current = std::move(rel);
  }
  auto others = j.find("others");
  if (others != j.end() && !others->is_array()) return InvalidArgument("runtime state: others");
  for (const auto& o : others != j.end() ? *others : json::array()) {
    AETHER_ASSIGN_OR_RETURN(Release rel, DecodeRelease(o));
    state.others.push_back(std::move(rel));
  }
  return state;
}

Status SaveAppState(const std::string& path, const AppState& state) {
  std::error_code ec;
  if (!state.current && state.others.empty()) {
    fs::remove(path, ec);
    if (ec) return Internal("cannot remove " + path + ": " + ec.message());
    return Status::Ok();
  }
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Internal("cannot create the directory of " + path + ": " + ec.message());
  return WriteFileAtomic(path, EncodeAppState(state), 0600);
}

Result<AppState> LoadAppState(const std::string& path) {
  AETHER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return DecodeAppState(text);
}

}  // namespace aether::local
