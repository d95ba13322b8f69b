// JSON helpers for the API handlers: request-body parsing with clear errors, and JSON
// responses. The wire form of apps and deployments lives in wire/. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::api {

// Parses a JSON object body; kInvalidArgument "malformed JSON: …" otherwise.
Result<nlohmann::json> ParseObject(std::string_view body);
// A required string field; kInvalidArgument "missing string field 'name'".
Result<std::string> RequiredString(const nlohmann::json& obj, const char* field);

http::Response JsonResponse(int status, const nlohmann::json& body);

}  // namespace aether::api
