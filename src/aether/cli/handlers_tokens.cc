// tokens create|list|revoke|rotate, whoami and audit.
#include <nlohmann/json.hpp>

#include "aether/cli/handlers.h"
#include "aether/cli/handlers_common.h"
#include "aether/core/names.h"
#include "aether/logs/log_query.h"
#include "aether/wire/wire.h"

namespace aether::cli {
namespace {

using nlohmann::json;

// "30d", "12h", "90m", "3600s" (or a plain number of seconds) → whole seconds.
Result<long long> Seconds(const std::string& flag, const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  auto ns = logs::ParseDuration(text);
  if (!ns) return InvalidArgument(flag + " '" + text + "' is not a duration (like 30d, 12h, 90m)");
  return *ns / 1'000'000'000;
}

std::string Apps(const TokenRecord& t) {
  if (t.apps.empty()) return "*";
  std::string out;
  for (const std::string& app : t.apps) out += (out.empty() ? "" : ",") + app;
  return out;
}

std::string State(const TokenRecord& t) {
  if (!t.revoked_at.empty()) return "revoked";
  if (!t.expires_at.empty() && t.expires_at <= NowRfc3339()) return "expired";
  return "active";
}

// The secret goes to stdout alone on its line, so `aether tokens create … | tail -1` gets it.
void PrintIssued(Output& out, const IssuedToken& issued, const std::string& verb) {
  if (out.json()) {
    out.Json(wire::IssuedTokenJson(issued));
    return;
  }
  const TokenRecord& t = issued.token;
  out.Line(verb + " token " + out.Bold(t.name) + " (" + t.id + ", scope " + t.role + ", apps " +
           Apps(t) + (t.expires_at.empty() ? "" : ", expires " + t.expires_at) +
           (t.previous_until.empty() ? "" : ", old secret valid until " + t.previous_until) +
           "). Its secret is shown only now:");
  out.Line(issued.secret);
}

}  // namespace

Outcome TokensCreate(Context& ctx, const TokenOptions& options) {
  if (options.name.empty()) return UsageFailure("--name is required");
  TokenSpec spec{options.name, options.scope, options.apps, 0};
  if (!options.expires.empty()) {
    auto seconds = Seconds("--expires", options.expires);
    if (!seconds.ok()) return UsageFailure(seconds.status().message());
    spec.ttl_seconds = *seconds;
  }
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto issued = s->api->CreateToken(spec);
  if (!issued.ok()) return ServerFailure(issued.status());
  PrintIssued(ctx.out, *issued, "Created");
  return Outcome::Ok();
}

Outcome TokensList(Context& ctx) {
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto tokens = s->api->ListTokens();
  if (!tokens.ok()) return ServerFailure(tokens.status());
  Output& out = ctx.out;
  if (out.json()) {
    json list = json::array();
    for (const TokenRecord& t : *tokens) list.push_back(wire::TokenJson(t));
    out.Json({{"tokens", list}});
    return Outcome::Ok();
  }
  out.Line(out.Bold(Pad("ID", 22) + Pad("NAME", 18) + Pad("SCOPE", 8) + Pad("APPS", 16) +
                    Pad("STATUS", 9) + Pad("EXPIRES", 26) + "LAST USED"));
  for (const TokenRecord& t : *tokens) {
    std::string state = State(t);
    out.Line(Pad(t.id, 22) + Pad(t.name, 18) + Pad(t.role, 8) + Pad(Apps(t), 16) +
             (state == "active" ? out.Green(Pad(state, 9)) : out.Dim(Pad(state, 9))) +
             Pad(t.expires_at.empty() ? "never" : t.expires_at, 26) +
             (t.last_used_at.empty() ? "never" : t.last_used_at));
  }
  return Outcome::Ok();
}

Outcome TokensRevoke(Context& ctx, const std::string& id) {
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto token = s->api->RevokeToken(id);
  if (!token.ok()) return ServerFailure(token.status());
  if (ctx.out.json()) {
    ctx.out.Json(wire::TokenJson(*token));
  } else {
    ctx.out.Line("Revoked token " + token->name + " (" + token->id + "): refused from now on");
  }
  return Outcome::Ok();
}

Outcome TokensRotate(Context& ctx, const std::string& id, const TokenOptions& options) {
  auto grace = Seconds("--grace", options.grace);
  if (!grace.ok()) return UsageFailure(grace.status().message());
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto issued = s->api->RotateToken(id, *grace);
  if (!issued.ok()) return ServerFailure(issued.status());
  PrintIssued(ctx.out, *issued, "Rotated");
  return Outcome::Ok();
}

Outcome WhoAmI(Context& ctx) {
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto me = s->api->WhoAmI();
  if (!me.ok()) return ServerFailure(me.status());
  if (ctx.out.json()) {
    json doc = wire::TokenJson(*me);
    doc["server"] = s->api->server();
    ctx.out.Json(doc);
  } else {
    ctx.out.Line(ctx.out.Bold(me->name) + " (" + me->id + ") on " + s->api->server() + ": scope " +
                 me->role + ", apps " + Apps(*me) +
                 (me->expires_at.empty() ? "" : ", expires " + me->expires_at));
  }
  return Outcome::Ok();
}

Outcome Audit(Context& ctx, int limit) {
  if (limit < 1 || limit > 500) return UsageFailure("--limit must be between 1 and 500");
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto events = s->api->ListAudit(limit);
  if (!events.ok()) return ServerFailure(events.status());
  Output& out = ctx.out;
  if (out.json()) {
    json list = json::array();
    for (const AuditEvent& e : *events) list.push_back(wire::AuditJson(e));
    out.Json({{"events", list}});
    return Outcome::Ok();
  }
  out.Line(out.Bold(Pad("TIME", 26) + Pad("TOKEN", 18) + Pad("STATUS", 8) + Pad("ACTION", 40) +
                    "TARGET"));
  for (const AuditEvent& e : *events) {
    std::string status = e.status == 0 ? "-" : std::to_string(e.status);
    out.Line(Pad(e.time, 26) + Pad(e.token_name, 18) +
             (e.status >= 400 ? out.Red(Pad(status, 8)) : Pad(status, 8)) + Pad(e.action, 40) +
             e.target);
  }
  return Outcome::Ok();
}

}  // namespace aether::cli
