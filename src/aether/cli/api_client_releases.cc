// ApiClient: releases, rollback, config vars and scale.
#include <nlohmann/json.hpp>

#include "aether/cli/api_client.h"
#include "aether/wire/wire.h"

namespace aether::cli {

using nlohmann::json;

namespace {
std::string AppPath(const std::string& app) { return "/apps/" + http::PercentEncode(app); }
}  // namespace

Result<Deployment> ApiClient::Rollback(const std::string& app, std::optional<long long> version) {
  json body = json::object();
  if (version) body["version"] = *version;
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("POST", AppPath(app) + "/rollback", body.dump()));
  return wire::DeploymentFromJson(j);
}

Result<std::map<std::string, std::string>> ApiClient::GetConfig(const std::string& app,
                                                                bool reveal) {
  AETHER_ASSIGN_OR_RETURN(
      json j, CallJson("GET", AppPath(app) + "/config" + (reveal ? "?reveal=true" : "")));
  std::map<std::string, std::string> out;
  if (auto it = j.find("config"); it != j.end() && it->is_object()) {
    for (const auto& [name, value] : it->items()) {
      if (value.is_string()) out[name] = value.get<std::string>();
    }
  }
  return out;
}

Result<Deployment> ApiClient::SetConfig(
    const std::string& app, const std::map<std::string, std::optional<std::string>>& changes) {
  json body = json::object();
  for (const auto& [name, value] : changes) body[name] = value ? json(*value) : json(nullptr);
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("PATCH", AppPath(app) + "/config", body.dump()));
  return wire::DeploymentFromJson(j);
}

Result<Deployment> ApiClient::Scale(const std::string& app, int instances) {
  AETHER_ASSIGN_OR_RETURN(
      json j, CallJson("POST", AppPath(app) + "/scale", json{{"instances", instances}}.dump()));
  return wire::DeploymentFromJson(j);
}

}  // namespace aether::cli
