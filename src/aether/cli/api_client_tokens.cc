// ApiClient: tokens, whoami and the audit trail.
#include <nlohmann/json.hpp>

#include "aether/cli/api_client.h"
#include "aether/wire/wire.h"

namespace aether::cli {

using nlohmann::json;

namespace {

std::string TokenPath(const std::string& id) { return "/tokens/" + http::PercentEncode(id); }

}  // namespace

Result<IssuedToken> ApiClient::CreateToken(const TokenSpec& spec) {
  json body = {{"name", spec.name}, {"scope", spec.role}, {"apps", spec.apps}};
  if (spec.ttl_seconds > 0) body["expires_in_seconds"] = spec.ttl_seconds;
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("POST", "/tokens", body.dump()));
  return wire::IssuedTokenFromJson(j);
}

Result<std::vector<TokenRecord>> ApiClient::ListTokens() {
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("GET", "/tokens"));
  std::vector<TokenRecord> out;
  if (auto it = j.find("tokens"); it != j.end() && it->is_array()) {
    for (const json& t : *it) out.push_back(wire::TokenFromJson(t));
  }
  return out;
}

Result<TokenRecord> ApiClient::RevokeToken(const std::string& id) {
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("DELETE", TokenPath(id)));
  return wire::TokenFromJson(j);
}

Result<IssuedToken> ApiClient::RotateToken(const std::string& id, long long grace_seconds) {
  json body = {{"grace_seconds", grace_seconds}};
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("POST", TokenPath(id) + "/rotate", body.dump()));
  return wire::IssuedTokenFromJson(j);
}

Result<TokenRecord> ApiClient::WhoAmI() {
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("GET", "/whoami"));
  return wire::TokenFromJson(j);
}

Result<std::vector<AuditEvent>> ApiClient::ListAudit(int limit) {
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("GET", "/audit?limit=" + std::to_string(limit)));
  std::vector<AuditEvent> out;
  if (auto it = j.find("events"); it != j.end() && it->is_array()) {
    for (const json& e : *it) out.push_back(wire::AuditFromJson(e));
  }
  return out;
}

}  // namespace aether::cli
