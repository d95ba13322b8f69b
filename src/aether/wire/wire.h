// The JSON wire form of the API's value types, in one place: aetherd encodes with it and the
// CLI decodes (and re-encodes for --json) with it, so both sides agree by construction.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "aether/core/model.h"

namespace aether::wire {

nlohmann::json AppJson(const App& app, const std::string& url);
// Missing or mistyped fields decode as empty; `url` (may be null) receives the app's URL.
App AppFromJson(const nlohmann::json& j, std::string* url);

// A release as the API shows it: config var names only ("config_keys"), never their values;
// decoding maps each name to "".
nlohmann::json DeploymentJson(const Deployment& d);
Deployment DeploymentFromJson(const nlohmann::json& j);

// {"id","app","name","public_key","active","created_at","deactivated_at"}
nlohmann::json PublicKeyJson(const PublicKey& k);
PublicKey PublicKeyFromJson(const nlohmann::json& j);

// {id, name, scope, apps, created_at, expires_at, last_used_at, revoked_at, rotated_until}:
// empty times are null; `apps` is [] for every app.
nlohmann::json TokenJson(const TokenRecord& t);
// Missing or mistyped fields decode as empty.
TokenRecord TokenFromJson(const nlohmann::json& j);

// {token: TokenJson, secret}: a token as created or rotated.
nlohmann::json IssuedTokenJson(const IssuedToken& issued);
IssuedToken IssuedTokenFromJson(const nlohmann::json& j);

// {seq, time, token_id, token_name, action, target, status, remote_addr}
nlohmann::json AuditJson(const AuditEvent& e);
AuditEvent AuditFromJson(const nlohmann::json& j);

}  // namespace aether::wire
