// Command handlers behind the CLI11 wiring: each takes the parsed flags through a Context and
// returns an Outcome (printed and mapped to an exit code by Run). The Context owns nothing
// but a factory for HTTP clients, so tests can run handlers against a fake server.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aether/cli/config.h"
#include "aether/cli/deploy.h"
#include "aether/cli/dev.h"
#include "aether/cli/exit_codes.h"
#include "aether/cli/log_command.h"
#include "aether/cli/output.h"
#include "aether/http/client.h"

namespace aether::cli {

struct Context {
  Output& out;
  std::string server_flag;  // --server, "" when not given
  std::string config_path;  // ConfigPath() unless a test says otherwise
  std::function<std::unique_ptr<http::Client>()> make_http;
};

// Verifies the token and saves it with the server URL and, when given, the --ca-file (as an
// absolute path) for later commands.
Outcome Login(Context& ctx, const std::string& token_flag, const std::string& ca_file_flag = "");
Outcome Logout(Context& ctx);
Outcome Version(Context& ctx);

Outcome AppsCreate(Context& ctx, const std::string& name);
Outcome AppsList(Context& ctx);
Outcome AppsDelete(Context& ctx, const std::string& name, bool yes);
Outcome ShowStatus(Context& ctx, const std::string& app_flag);
Outcome Deploy(Context& ctx, const DeployOptions& options);
// Prints (with follow: streams until Ctrl-C, reconnecting when the connection drops) an app's
// logs; Ctrl-C exits 0.
Outcome Logs(Context& ctx, const LogsOptions& options);
Outcome Dev(Context& ctx, const DevOptions& options);

struct KeysOptions {
  std::string app;     // --app (default: the project in the current directory)
  std::string key;     // --key: key file (generate: private path; register: .pub or private)
  std::string name;    // --name: a label for the key on the server
  bool force = false;  // generate: replace an existing key
};
Outcome KeysGenerate(Context& ctx, const KeysOptions& options);
Outcome KeysRegister(Context& ctx, const KeysOptions& options);
Outcome KeysList(Context& ctx, const KeysOptions& options);
Outcome KeysDeactivate(Context& ctx, const KeysOptions& options, const std::string& id);

struct TokenOptions {
  std::string name;               // create: --name
  std::string scope = "deploy";   // create: --scope admin|deploy|read|pull
  std::vector<std::string> apps;  // create: --app (repeatable); none = every app
  std::string expires;            // create: --expires 30d ("" = never)
  std::string grace = "1h";       // rotate: how long the old secret keeps working
};
Outcome TokensCreate(Context& ctx, const TokenOptions& options);
Outcome TokensList(Context& ctx);
Outcome TokensRevoke(Context& ctx, const std::string& id);
Outcome TokensRotate(Context& ctx, const std::string& id, const TokenOptions& options);
// The token in use: name, id, scope, apps, expiry.
Outcome WhoAmI(Context& ctx);
// The newest `limit` audit events (admin).
Outcome Audit(Context& ctx, int limit);

struct ReleaseOptions {
  std::string app;   // --app (default: the project in the current directory)
  bool wait = true;  // follow the new release's rollout to its end
  int limit = 20;    // releases: how many to show
};
Outcome ReleasesList(Context& ctx, const ReleaseOptions& options);
// `version` "" rolls back to the previous good release; else "v3" or "3".
Outcome Rollback(Context& ctx, const ReleaseOptions& options, const std::string& version);
Outcome EnvList(Context& ctx, const ReleaseOptions& options, bool reveal);
Outcome EnvSet(Context& ctx, const ReleaseOptions& options, const std::vector<std::string>& pairs);
Outcome EnvUnset(Context& ctx, const ReleaseOptions& options,
                 const std::vector<std::string>& names);
Outcome Scale(Context& ctx, const ReleaseOptions& options, int instances);

}  // namespace aether::cli
