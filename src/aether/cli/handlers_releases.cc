// releases, rollback, env set/unset/list and scale: each change is a new release, followed to
// its end like a deploy unless --no-wait.
#include <functional>

#include "aether/cli/api_client.h"
#include "aether/cli/handlers.h"
#include "aether/cli/handlers_common.h"
#include "aether/cli/server_steps.h"
#include "aether/core/names.h"
#include "aether/wire/wire.h"

namespace aether::cli {
namespace {

using nlohmann::json;

// Prints the new release; follows its rollout when it has one and `wait`.
Outcome Follow(Context& ctx, ApiClient& api, Deployment release, bool wait) {
  Output& out = ctx.out;
  if (wait && release.status != "recorded") {
    auto done = WaitForRollout(api, release.id, DeployOptions().poll_interval,
                               DeployOptions().rollout_timeout);
    if (!done.ok()) return ServerFailure(done.status());
    release = *done;
  }
  if (out.json()) {
    out.Json(wire::DeploymentJson(release));
  } else {
    std::string head = out.Bold("v" + std::to_string(release.version)) + " " + release.description;
    if (release.status == "recorded") {
      out.Line(head + " (recorded; it takes effect with the next deploy)");
    } else if (release.status == "running") {
      out.Line(head + " " + out.Green("running") + " at " + out.Cyan(release.url));
    } else if (!wait) {
      out.Line(head + " (" + release.status + ": follow with `aether releases`)");
    }
  }
  if (wait && release.status != "recorded") {
    if (Status st = RolloutStatus(release); !st.ok()) return ServerFailure(st);
  }
  return Outcome::Ok();
}

using ConfigChanges = std::map<std::string, std::optional<std::string>>;

// Resolves the app, connects, makes the change and follows the release it created.
Outcome Change(Context& ctx, const ReleaseOptions& o,
               const std::function<Result<Deployment>(ApiClient&, const std::string&)>& make) {
  std::string app;
  if (Outcome r = ResolveAppName(o.app, "", &app); !r.ok()) return r;
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto release = make(*s->api, app);
  if (!release.ok()) return ServerFailure(release.status());
  return Follow(ctx, *s->api, *release, o.wait);
}

}  // namespace

Outcome ReleasesList(Context& ctx, const ReleaseOptions& o) {
  std::string app;
  if (Outcome r = ResolveAppName(o.app, "", &app); !r.ok()) return r;
  if (o.limit < 1 || o.limit > kMaxPageLimit) {
    return UsageFailure("--limit must be from 1 to " + std::to_string(kMaxPageLimit));
  }
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto page = s->api->ListReleases(app, {o.limit, ""});
  if (!page.ok()) return ServerFailure(page.status());
  Output& out = ctx.out;
  if (out.json()) {
    json list = json::array();
    for (const auto& d : page->items) list.push_back(wire::DeploymentJson(d));
    out.Json({{"releases", list}, {"next_cursor", page->next.empty() ? json() : json(page->next)}});
    return Outcome::Ok();
  }
  if (page->items.empty()) {
    out.Line("No releases yet: run `aether deploy`");
    return Outcome::Ok();
  }
  out.Line(out.Bold(Pad("VERSION", 9) + Pad("STATUS", 12) + Pad("INSTANCES", 11) +
                    Pad("CREATED", 26) + "DESCRIPTION"));
  for (const auto& d : page->items) {
    out.Line(Pad("v" + std::to_string(d.version), 9) + StatusCell(out, d.status, 12) +
             Pad(std::to_string(d.instances), 11) + Pad(d.created_at, 26) + d.description);
    if (!d.reason.empty()) out.Line(out.Dim("         reason: " + d.reason));
  }
  if (!page->next.empty()) out.Line(out.Dim("(older releases: --limit N)"));
  return Outcome::Ok();
}

Outcome Rollback(Context& ctx, const ReleaseOptions& o, const std::string& version) {
  std::optional<long long> target;
  if (!version.empty()) {
    auto parsed = ParseReleaseVersion(version);
    if (!parsed.ok()) return UsageFailure(parsed.status().message() + ", not '" + version + "'");
    target = *parsed;
  }
  return Change(ctx, o,
                [&](ApiClient& api, const std::string& app) { return api.Rollback(app, target); });
}

Outcome EnvList(Context& ctx, const ReleaseOptions& o, bool reveal) {
  std::string app;
  if (Outcome r = ResolveAppName(o.app, "", &app); !r.ok()) return r;
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto config = s->api->GetConfig(app, reveal);
  if (!config.ok()) return ServerFailure(config.status());
  if (ctx.out.json()) {
    ctx.out.Json({{"config", *config}});
  } else if (config->empty()) {
    ctx.out.Line("No config vars: set one with `aether env set NAME=value`");
  } else {
    for (const auto& [name, value] : *config) ctx.out.Line(ctx.out.Bold(name) + "=" + value);
  }
  return Outcome::Ok();
}

Outcome EnvSet(Context& ctx, const ReleaseOptions& o, const std::vector<std::string>& pairs) {
  ConfigChanges changes;
  for (const auto& pair : pairs) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageFailure("expected NAME=value, not '" + pair + "'");
    }
    changes[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return Change(
      ctx, o, [&](ApiClient& api, const std::string& app) { return api.SetConfig(app, changes); });
}

Outcome EnvUnset(Context& ctx, const ReleaseOptions& o, const std::vector<std::string>& names) {
  ConfigChanges changes;
  for (const auto& name : names) changes[name] = std::nullopt;
  return Change(
      ctx, o, [&](ApiClient& api, const std::string& app) { return api.SetConfig(app, changes); });
}

Outcome Scale(Context& ctx, const ReleaseOptions& o, int instances) {
  if (instances < 1 || instances > kMaxInstances) {
    return UsageFailure("instances must be from 1 to " + std::to_string(kMaxInstances));
  }
  return Change(ctx, o,
                [&](ApiClient& api, const std::string& app) { return api.Scale(app, instances); });
}

}  // namespace aether::cli
