// login, logout and version.
#include <filesystem>
#include <iostream>
#include <string>

#include "aether/cli/api_client.h"
#include "aether/cli/handlers.h"

namespace aether::cli {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

}  // namespace

Outcome Login(Context& ctx, const std::string& token_flag, const std::string& ca_file_flag) {
  std::string token = token_flag;
  if (token == "-") {
    std::getline(std::cin, token);
    token = Trim(token);
    if (token.empty()) return UsageFailure("--token -: no token on stdin");
  }
  token = Trim(token);
  if (token.empty()) {
    return UsageFailure("--token is required (use `--token -` to read it from stdin)");
  }
  auto file = LoadConfigFile(ctx.config_path);
  if (!file.ok()) return LocalFailure(file.status());
  auto resolved = ResolveConfig(ctx.config_path, ctx.server_flag);
  if (!resolved.ok()) return LocalFailure(resolved.status());
  std::string server = resolved->server;

  auto http = ctx.make_http();
  ApiClient api(*http, server, token);
  auto me = api.WhoAmI();
  if (!me.ok()) return ServerFailure(me.status());

  Config config = *file;
  config.server = server;
  config.token = token;
  if (!ca_file_flag.empty()) {
    std::error_code ec;
    std::filesystem::path ca = std::filesystem::absolute(ca_file_flag, ec);
    config.ca_file = ec ? ca_file_flag : ca.lexically_normal().string();
  }
  if (Status st = SaveConfigFile(ctx.config_path, config); !st.ok()) return LocalFailure(st);
  if (ctx.out.json()) {
    ctx.out.Json({{"server", server},
                  {"logged_in", true},
                  {"token", me->name},
                  {"scope", me->role},
                  {"apps", me->apps}});
  } else {
    ctx.out.Line("Logged in to " + ctx.out.Bold(server) + " as " + me->name + " (scope " +
                 me->role + "); saved to " + ctx.config_path);
  }
  return Outcome::Ok();
}

Outcome Logout(Context& ctx) {
  auto file = LoadConfigFile(ctx.config_path);
  if (!file.ok()) return LocalFailure(file.status());
  bool had_token = !file->token.empty();
  if (had_token) {
    Config config = *file;
    config.token.clear();
    if (Status st = SaveConfigFile(ctx.config_path, config); !st.ok()) return LocalFailure(st);
  }
  if (ctx.out.json()) {
    ctx.out.Json({{"logged_out", had_token}, {"server", file->server}});
  } else if (had_token) {
    ctx.out.Line("Logged out of " +
                 (file->server.empty() ? std::string("the server") : file->server));
  } else {
    ctx.out.Line("Not logged in");
  }
  return Outcome::Ok();
}

Outcome Version(Context& ctx) {
  if (ctx.out.json()) {
    ctx.out.Json({{"version", kCliVersion}});
  } else {
    ctx.out.Line("aether " + std::string(kCliVersion));
  }
  return Outcome::Ok();
}

}  // namespace aether::cli
