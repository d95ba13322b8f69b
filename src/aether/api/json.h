// JSON codecs for the API: request-body parsing with clear errors, and the wire form of apps
// and deployments. nlohmann::json stays inside api/. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "aether/core/status.h"
#include "aether/http/types.h"
#include "aether/store/model.h"

namespace aether::api {

// Parses a JSON object body; kInvalidArgument "malformed JSON: …" otherwise.
Result<nlohmann::json> ParseObject(std::string_view body);
// A required string field; kInvalidArgument "missing string field 'name'".
Result<std::string> RequiredString(const nlohmann::json& obj, const char* field);

nlohmann::json AppJson(const App& app, const std::string& url);
nlohmann::json DeploymentJson(const Deployment& d);

http::Response JsonResponse(int status, const nlohmann::json& body);

}  // namespace aether::api
