// The JSON wire form of tokens and audit events (never a secret's hash). aetherd encodes, the
// CLI decodes. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "aether/core/model.h"

namespace aether::wire {

// {id, name, scope, apps, created_at, expires_at, last_used_at, revoked_at, rotated_until}:
// empty times are null; `apps` is [] for every app.
nlohmann::json TokenJson(const TokenRecord& t);
// Missing or mistyped fields decode as empty.
TokenRecord TokenFromJson(const nlohmann::json& j);

// {seq, time, token_id, token_name, action, target, status, remote_addr}
nlohmann::json AuditJson(const AuditEvent& e);
AuditEvent AuditFromJson(const nlohmann::json& j);

}  // namespace aether::wire
