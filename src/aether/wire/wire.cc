// JSON encoding and lenient decoding of apps and deployments.
#include "aether/wire/wire.h"

namespace aether::wire {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Tokens show unset times as null.
nlohmann::json TimeOrNull(const std::string& t) {
  return t.empty() ? nlohmann::json(nullptr) : nlohmann::json(t);
}

}  // namespace

json AppJson(const App& app, const std::string& url) {
  return {{"name", app.name},
          {"created_at", app.created_at},
          {"url", url},
          {"current_deployment",
           app.current_deployment.empty() ? json(nullptr) : json(app.current_deployment)}};
}

App AppFromJson(const json& j, std::string* url) {
  if (url != nullptr) *url = Str(j, "url");
  return App{Str(j, "name"), Str(j, "created_at"), Str(j, "current_deployment")};
}

json DeploymentJson(const Deployment& d) {
  auto phases = json::array();
  for (const auto& p : d.phases) phases.push_back({{"name", p.name}, {"ms", p.ms}});
  auto config_keys = json::array();
  for (const auto& [name, _] : d.config) config_keys.push_back(name);
  return {{"id", d.id},
          {"app", d.app},
          {"version", d.version},
          {"artifact", d.artifact},
          {"description", d.description},
          {"status", d.status},
          {"reason", d.reason},
          {"url", d.url},
          {"instances", d.instances},
          {"strategy", d.strategy},
          {"config_keys", config_keys},
          {"phases", phases},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at}};
}

Deployment DeploymentFromJson(const json& j) {
  Deployment d;
  d.id = Str(j, "id");
  d.app = Str(j, "app");
  d.artifact = Str(j, "artifact");
  d.description = Str(j, "description");
  if (auto v = j.find("version"); v != j.end() && v->is_number_integer()) d.version = *v;
  if (auto n = j.find("instances"); n != j.end() && n->is_number_integer()) d.instances = *n;
  if (std::string strategy = Str(j, "strategy"); !strategy.empty()) d.strategy = strategy;
  if (auto keys = j.find("config_keys"); keys != j.end() && keys->is_array()) {
    for (const auto& k : *keys) {
      if (k.is_string()) d.config[k.get<std::string>()] = "";
    }
  }
  d.status = Str(j, "status");
  d.reason = Str(j, "reason");
  d.url = Str(j, "url");
  d.created_at = Str(j, "created_at");
  d.updated_at = Str(j, "updated_at");
  if (auto it = j.find("phases"); it != j.end() && it->is_array()) {
    for (const auto& p : *it) {
      if (!p.is_object()) continue;
      auto ms = p.find("ms");
      d.phases.push_back(
          {Str(p, "name"), ms != p.end() && ms->is_number_integer() ? ms->get<long long>() : 0});
    }
  }
  return d;
}

nlohmann::json PublicKeyJson(const PublicKey& k) {
  return {{"id", k.id},
          {"app", k.app},
          {"name", k.name},
          {"public_key", k.pem},
          {"active", k.active},
          {"created_at", k.created_at},
          {"deactivated_at", k.deactivated_at}};
}

PublicKey PublicKeyFromJson(const nlohmann::json& j) {
  auto active = j.find("active");
  return PublicKey{Str(j, "id"),
                   Str(j, "app"),
                   Str(j, "name"),
                   Str(j, "public_key"),
                   active != j.end() && active->is_boolean() && active->get<bool>(),
                   Str(j, "created_at"),
                   Str(j, "deactivated_at")};
}

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

nlohmann::json IssuedTokenJson(const IssuedToken& issued) {
  return {{"token", TokenJson(issued.token)}, {"secret", issued.secret}};
}

IssuedToken IssuedTokenFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return {};
  auto token = j.find("token");
  return {token != j.end() ? TokenFromJson(*token) : TokenRecord{}, Str(j, "secret")};
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
