// Session, app-name resolution and padding for the handlers.
#include "aether/cli/handlers_common.h"

#include <filesystem>

#include "aether/cli/config.h"
#include "aether/cli/project.h"
#include "aether/core/names.h"

namespace aether::cli {

Result<Session> Connect(Context& ctx) {
  AETHER_ASSIGN_OR_RETURN(Config config, ResolveConfig(ctx.config_path, ctx.server_flag));
  AETHER_RETURN_IF_ERROR(RequireToken(config));
  Session s;
  s.http = ctx.make_http();
  s.api = std::make_unique<ApiClient>(*s.http, config.server, config.token);
  s.api->SetClientFactory(ctx.make_http);
  return s;
}

Outcome ResolveAppName(const std::string& app_flag, const std::string& dir, std::string* name) {
  if (!app_flag.empty()) {
    if (Status st = ValidateAppName(app_flag); !st.ok()) return UsageFailure(st.message());
    *name = app_flag;
    return Outcome::Ok();
  }
  std::error_code ec;
  std::string cwd = dir.empty() ? std::filesystem::current_path(ec).string() : dir;
  auto derived = AppNameForDir(ec ? "." : cwd);
  if (!derived.ok()) {
    return LocalFailure(FailedPrecondition(derived.status().message() + " (or pass --app NAME)"));
  }
  *name = *derived;
  return Outcome::Ok();
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

std::string StatusCell(const Output& out, const std::string& status, size_t width) {
  std::string cell = Pad(status, width);
  if (status == "running") return out.Green(cell);
  if (status == "failed") return out.Red(cell);
  return cell;
}

}  // namespace aether::cli
