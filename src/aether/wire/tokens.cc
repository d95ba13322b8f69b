// Tokens and audit events on the wire.
#include "aether/wire/tokens.h"

#include <string>

namespace aether::wire {
namespace {

nlohmann::json TimeOrNull(const std::string& t) {
  return t.empty() ? nlohmann::json(nullptr) : nlohmann::json(t);
}

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

nlohmann::json TokenJson(const TokenRecord& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"scope", t.role},
          {"apps", t.apps},
          {"created_at", t.created_at},
          {"expires_at", TimeOrNull(t.expires_at)},
          {"last_used_at", TimeOrNull(t.last_used_at)},
          {"revoked_at", TimeOrNull(t.revoked_at)},
          {"rotated_until", TimeOrNull(t.previous_until)}};
}

TokenRecord TokenFromJson(const nlohmann::json& j) {
  TokenRecord t;
  if (!j.is_object()) return t;
  t.id = Str(j, "id");
  t.name = Str(j, "name");
  t.role = Str(j, "scope");
  t.created_at = Str(j, "created_at");
  t.expires_at = Str(j, "expires_at");
  t.last_used_at = Str(j, "last_used_at");
  t.revoked_at = Str(j, "revoked_at");
  t.previous_until = Str(j, "rotated_until");
  auto apps = j.find("apps");
  if (apps != j.end() && apps->is_array()) {
    for (const auto& a : *apps) {
      if (a.is_string()) t.apps.push_back(a.get<std::string>());
    }
  }
  return t;
}

nlohmann::json AuditJson(const AuditEvent& e) {
  return {{"seq", e.seq},           {"time", e.time},
          {"token_id", e.token_id}, {"token_name", e.token_name},
          {"action", e.action},     {"target", e.target},
          {"status", e.status},     {"remote_addr", e.remote_addr}};
}

AuditEvent AuditFromJson(const nlohmann::json& j) {
  AuditEvent e;
  if (!j.is_object()) return e;
  auto seq = j.find("seq");
  if (seq != j.end() && seq->is_number_integer()) e.seq = seq->get<long long>();
  auto status = j.find("status");
  if (status != j.end() && status->is_number_integer()) e.status = status->get<int>();
  e.time = Str(j, "time");
  e.token_id = Str(j, "token_id");
  e.token_name = Str(j, "token_name");
  e.action = Str(j, "action");
  e.target = Str(j, "target");
  e.remote_addr = Str(j, "remote_addr");
  return e;
}

}  // namespace aether::wire
