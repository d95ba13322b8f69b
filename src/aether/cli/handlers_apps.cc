// apps create/list/delete, status and deploy: the handlers that talk to a logged-in server.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "aether/cli/api_client.h"
#include "aether/cli/handlers.h"
#include "aether/cli/handlers_common.h"
#include "aether/cli/project.h"
#include "aether/core/names.h"
#include "aether/wire/wire.h"

namespace aether::cli {
namespace {

using nlohmann::json;

std::string Phases(const std::vector<PhaseTiming>& phases) {
  std::string line;
  for (const auto& p : phases) line += (line.empty() ? "" : " · ") + p.name + " " + HumanMs(p.ms);
  return line;
}

}  // namespace

Outcome AppsCreate(Context& ctx, const std::string& name) {
  if (Status st = ValidateAppName(name); !st.ok()) return UsageFailure(st.message());
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto app = s->api->CreateApp(name);
  if (!app.ok()) return ServerFailure(app.status());
  if (ctx.out.json()) {
    ctx.out.Json(wire::AppJson(*app, app->url));
  } else {
    ctx.out.Line("Created app " + ctx.out.Bold(app->name) + " → " + ctx.out.Cyan(app->url));
  }
  return Outcome::Ok();
}

Outcome AppsList(Context& ctx) {
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto apps = s->api->ListApps();
  if (!apps.ok()) return ServerFailure(apps.status());
  if (ctx.out.json()) {
    json list = json::array();
    for (const auto& a : *apps) list.push_back(wire::AppJson(a, a.url));
    ctx.out.Json({{"apps", list}});
    return Outcome::Ok();
  }
  if (apps->empty()) {
    ctx.out.Line("No apps yet: `aether deploy` in a Node.js project creates one");
    return Outcome::Ok();
  }
  size_t width = 4;
  for (const auto& a : *apps) width = std::max(width, a.name.size());
  ctx.out.Line(ctx.out.Bold(Pad("NAME", width + 2) + Pad("CURRENT", 22) + "URL"));
  for (const auto& a : *apps) {
    std::string current = a.current_deployment.empty() ? "-" : a.current_deployment;
    ctx.out.Line(Pad(a.name, width + 2) + Pad(current, 22) + a.url);
  }
  return Outcome::Ok();
}

Outcome AppsDelete(Context& ctx, const std::string& name, bool yes) {
  if (Status st = ValidateAppName(name); !st.ok()) return UsageFailure(st.message());
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  if (!yes) {
    if (!ctx.out.stdin_tty()) {
      return UsageFailure("refusing to delete app '" + name +
                          "' without --yes (stdin is not a terminal)");
    }
    std::fprintf(stderr,
                 "Delete app %s, stop its processes and remove its releases?\n"
                 "Type the app name to confirm: ",
                 name.c_str());
    std::fflush(stderr);
    std::string answer;
    std::getline(std::cin, answer);
    while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' ')) answer.pop_back();
    if (answer != name) return UsageFailure("confirmation did not match: nothing deleted");
  }
  if (Status st = s->api->DeleteApp(name); !st.ok()) return ServerFailure(st);
  if (ctx.out.json()) {
    ctx.out.Json({{"deleted", name}});
  } else {
    ctx.out.Line("Deleted app " + ctx.out.Bold(name));
  }
  return Outcome::Ok();
}

Outcome ShowStatus(Context& ctx, const std::string& app_flag) {
  std::string name;
  if (Outcome o = ResolveAppName(app_flag, "", &name); !o.ok()) return o;
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  auto app = s->api->GetApp(name);
  if (!app.ok()) return ServerFailure(app.status());
  auto releases = s->api->ListReleases(name, {5, ""});  // the newest five
  if (!releases.ok()) return ServerFailure(releases.status());
  if (ctx.out.json()) {
    json list = json::array();
    for (const Deployment& d : releases->items) list.push_back(wire::DeploymentJson(d));
    ctx.out.Json({{"app", wire::AppJson(*app, app->url)}, {"deployments", list}});
    return Outcome::Ok();
  }
  Output& out = ctx.out;
  out.Line(out.Bold(app->name) + "  " + out.Cyan(app->url));
  out.Line("  current: " + (app->current_deployment.empty() ? "none" : app->current_deployment));
  if (releases->items.empty()) {
    out.Line("  no deployments yet: run `aether deploy`");
    return Outcome::Ok();
  }
  out.Line(out.Bold("  " + Pad("RELEASE", 9) + Pad("DEPLOYMENT", 22) + Pad("STATUS", 12) +
                    Pad("CREATED", 26) + "DESCRIPTION"));
  for (const Deployment& d : releases->items) {
    out.Line("  " + Pad("v" + std::to_string(d.version), 9) + Pad(d.id, 22) +
             StatusCell(out, d.status, 12) + Pad(d.created_at, 26) + d.description);
    if (!d.phases.empty()) out.Line(out.Dim("    " + Phases(d.phases)));
    if (!d.reason.empty()) out.Line("    reason: " + d.reason);
  }
  return Outcome::Ok();
}

Outcome Dev(Context& ctx, const DevOptions& options) {
  if (!options.deploy.app.empty()) {
    if (Status st = ValidateAppName(options.deploy.app); !st.ok())
      return UsageFailure(st.message());
  }
  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  // Ctrl-C ends the watch between deploys; exit 0.
  static std::atomic<bool> interrupted{false};
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });
  return RunDev(*s->api, ctx.out, options, [] { return interrupted.load(); });
}

Outcome Deploy(Context& ctx, const DeployOptions& options) {
  if (!options.app.empty()) {
    if (Status st = ValidateAppName(options.app); !st.ok()) return UsageFailure(st.message());
  }
  if (options.dry_run) return RunDeploy(nullptr, ctx.out, options);  // no server needed
  auto s = Connect(ctx);  // before any install or pack: fail fast when not logged in
  if (!s.ok()) return LocalFailure(s.status());
  return RunDeploy(s->api.get(), ctx.out, options);
}

}  // namespace aether::cli
