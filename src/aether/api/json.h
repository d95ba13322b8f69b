// JSON helpers for the API handlers: request-body parsing and typed field access with errors
// that name the field (kInvalidArgument, answered 400), and JSON responses. None of them
// throws. The wire form of apps and deployments lives in wire/. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::api {

// How deep a request body may nest. nlohmann's dump() and copies recurse, so a few hundred KB
// of "[[[[…" would overflow the stack wherever a body is re-serialised (evidence documents are);
// real bodies (manifests, SBOMs, provenance) nest fewer than 16 levels.
inline constexpr int kMaxJsonDepth = 64;

// Parses a JSON object body; kInvalidArgument "malformed JSON: …" otherwise, and "request body
// nests JSON deeper than 64 levels" past kMaxJsonDepth.
Result<nlohmann::json> ParseObject(std::string_view body);
// A required non-empty string field: "missing string field 'name'", "field 'name' must be a
// string", "field 'name' must not be empty".
Result<std::string> RequiredString(const nlohmann::json& obj, const char* field);
// An optional string field: absent or null → nullopt; another type → "field 'x' must be a
// string".
Result<std::optional<std::string>> OptionalString(const nlohmann::json& obj, const char* field);
// A required integer field within [min, max]: "missing integer field 'x'", "field 'x' must be an
// integer", "field 'x' must be between min and max".
Result<long long> RequiredInt(const nlohmann::json& obj, const char* field, long long min,
                              long long max);
// An optional integer field within [min, max]; absent or null → nullopt.
Result<std::optional<long long>> OptionalInt(const nlohmann::json& obj, const char* field,
                                             long long min, long long max);
// An integer JSON value within [min, max]; `what` names it in the error ("field 'size'").
Result<long long> IntValue(const nlohmann::json& value, const std::string& what, long long min,
                           long long max);

http::Response JsonResponse(int status, const nlohmann::json& body);

}  // namespace aether::api
