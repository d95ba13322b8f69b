// ApiClient: tokens, whoami and the audit trail.
#include <nlohmann/json.hpp>

#include "aether/cli/api_client.h"
#include "aether/wire/tokens.h"

namespace aether::cli {

using nlohmann::json;

namespace {

std::string TokenPath(const std::string& id) { return "/tokens/" + http::PercentEncode(id); }

ApiClient::IssuedToken IssuedFrom(const json& j) {
  ApiClient::IssuedToken issued;
  if (auto t = j.find("token"); t != j.end()) issued.token = wire::TokenFromJson(*t);
  if (auto s = j.find("secret"); s != j.end() && s->is_string()) issued.secret = *s;
  return issued;
}

}  // namespace

Result<ApiClient::IssuedToken> ApiClient::CreateToken(const NewToken& spec) {
  json body = {{"name", spec.name}, {"scope", spec.scope}, {"apps", spec.apps}};
  if (spec.expires_in_seconds > 0) body["expires_in_seconds"] = spec.expires_in_seconds;
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("POST", "/tokens", body.dump()));
  return IssuedFrom(j);
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

Result<ApiClient::IssuedToken> ApiClient::RotateToken(const std::string& id,
                                                      long long grace_seconds) {
  json body = {{"grace_seconds", grace_seconds}};
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("POST", TokenPath(id) + "/rotate", body.dump()));
  return IssuedFrom(j);
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
