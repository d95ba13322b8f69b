// Run: CLI11 parsing, dispatch to handlers, error line and exit code.
#include "aether/cli/commands.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <string>
#include <vector>

#include "aether/cli/handlers.h"

namespace aether::cli {
namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  success
  1  unexpected internal error
  2  usage: bad flags or arguments
  3  configuration or project problem (not logged in, unreadable config,
     no package.json, no start command, package manager missing or failing)
  4  network: server unreachable, timed out or temporarily unavailable (503/504)
  5  the server rejected the request (API error, e.g. unknown app)
  6  the deploy failed (the rollout reported failure)
  7  authentication: the server refused the token (401/403)
  8  refused: the artifact failed verification or policy (signature, SBOM,
     provenance, native addons built for another platform, quota exceeded)
  9  rate limited: too many requests for this token (429); the message says when to retry
  10 the server's TLS certificate is not trusted (pass its CA with --ca-file)

Environment: AETHER_SERVER, AETHER_TOKEN, AETHER_CA_FILE override the config file
($XDG_CONFIG_HOME/aether/config.json); NO_COLOR disables colors.)";

struct Flags {
  std::string server;
  std::string ca_file;
  bool json = false;
  bool no_color = false;
  std::string token;
  std::string app_name;  // apps create/delete NAME
  bool yes = false;
  std::string status_app;
  DeployOptions deploy;
  DevOptions dev;
  bool no_wait = false;
  bool no_sbom = false;
  std::string format = "text";
  KeysOptions keys;
  std::string key_id;
  ReleaseOptions release;
  std::string version;                // rollback [vN]
  std::vector<std::string> env_args;  // env set NAME=value… / env unset NAME…
  bool reveal = false;
  int instances = 0;
  LogsOptions logs;
  TokenOptions tokens;
  std::string token_id;  // tokens revoke|rotate ID
  int audit_limit = 50;
};

}  // namespace

int Run(int argc, char** argv) {
  CLI::App app{"aether: deploy Node.js apps to AetherEngine", "aether"};
  app.set_version_flag("--version", "aether " + std::string(kCliVersion));
  app.fallthrough();  // global flags may follow the command: `aether deploy --json`
  app.require_subcommand(1);
  Flags f;
  app.add_option(
      "--server", f.server,
      "aetherd URL (default: config, AETHER_SERVER, " + std::string(kDefaultServer) + ")");
  app.add_option("--ca-file", f.ca_file,
                 "CA certificate (PEM) that signed an https server's certificate (default: "
                 "config, AETHER_CA_FILE, the system store); `login --ca-file` saves it");
  app.add_flag("--json", f.json, "print one JSON document on stdout (same as --format json)");
  app.add_option("--format", f.format, "output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--no-color", f.no_color, "no ANSI colors (also: NO_COLOR)");

  auto* login = app.add_subcommand("login", "verify a token and save it with the server URL");
  login->add_option("--token", f.token, "API token, or - to read it from stdin");
  auto* logout = app.add_subcommand("logout", "forget the saved token");

  auto* apps = app.add_subcommand("apps", "create, list and delete apps");
  apps->require_subcommand(1);
  auto* apps_create = apps->add_subcommand("create", "create an app");
  apps_create->add_option("name", f.app_name, "app name (a DNS label)")->required();
  auto* apps_list = apps->add_subcommand("list", "list apps");
  auto* apps_delete = apps->add_subcommand("delete", "delete an app and stop its processes");
  apps_delete->add_option("name", f.app_name, "app name")->required();
  apps_delete->add_flag("--yes,-y", f.yes, "do not ask for confirmation");

  auto* deploy = app.add_subcommand("deploy", "build, upload and release the app in DIR");
  deploy->add_option("dir", f.deploy.dir, "project directory (default: .)");
  deploy->add_option("--app,-a", f.deploy.app, "app name (default: from package.json)");
  deploy->add_flag("--no-wait", f.no_wait, "return once the deployment is created");
  deploy->add_option("--sign-key", f.deploy.evidence.sign_key,
                     "Ed25519 private key that signs the artifact and its provenance "
                     "(default: AETHER_SIGNING_KEY; unsigned without either)");
  deploy->add_flag("--no-sbom", f.no_sbom, "do not generate an SBOM");
  deploy->add_flag("--legacy-sbom", f.deploy.evidence.legacy_sbom,
                   "write the simple aether-sbom/v1 format instead of CycloneDX 1.5");
  deploy->add_flag("--dry-run,--pack-only", f.deploy.dry_run,
                   "build, pack, sign and write the artifact locally; upload nothing");
  deploy->add_flag("--dev-hot", f.deploy.dev_hot,
                   "on Kubernetes, swap the app layer inside the running pods (no new pods); "
                   "elsewhere a normal rollout");
  deploy->footer(
      "Environment: AETHER_SIGNING_KEY (key path), AETHER_REQUIRE_PROVENANCE=1 (fail when\n"
      "provenance cannot be made), AETHER_PROVENANCE_TIMEOUT_MS (default 10000).\n"
      "The manifest, SBOM, signature and provenance are written under\n"
      "$XDG_CACHE_HOME/aether/artifacts/<digest>/ and listed by --json.");

  auto* dev = app.add_subcommand(
      "dev", "deploy with --dev-hot, then redeploy on every change to the source tree");
  dev->add_option("dir", f.dev.deploy.dir, "project directory (default: .)");
  dev->add_option("--app,-a", f.dev.deploy.app, "app name (default: from package.json)");
  dev->add_option("--sign-key", f.dev.deploy.evidence.sign_key,
                  "Ed25519 private key that signs each artifact (default: AETHER_SIGNING_KEY)");
  dev->footer(
      "Watches the files a deploy packs (not node_modules/, .git/ or .aetherignore'd paths);\n"
      "Ctrl-C stops watching (exit 0). A failed deploy is printed and the watch goes on.");

  auto* status = app.add_subcommand("status", "app info and latest deployments");
  status->add_option("--app,-a", f.status_app, "app name (default: from package.json)");

  auto* logs =
      app.add_subcommand("logs", "print an app's logs, every instance merged (-f: follow)");
  logs->add_option("--app,-a", f.logs.app, "app name (default: from package.json)");
  logs->add_flag("--follow,-f", f.logs.request.follow,
                 "stream new lines until Ctrl-C, reconnecting and resuming when the connection "
                 "drops");
  logs->add_option("--since", f.logs.request.since,
                   "lines at or after a time: a duration ago (30s, 15m, 1h30m, 2d) or an RFC 3339 "
                   "time");
  logs->add_option("--tail", f.logs.request.tail_lines,
                   "only the last N lines of each instance/container (default: all)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return v.starts_with("-") ? "must be 0 or more, not " + v : std::string();
          },
          "N>=0"));
  logs->add_option("--container", f.logs.request.container,
                   "only this container: app, or aether for platform events");
  logs->add_option("--release", f.logs.request.release, "only this release (v3 or 3)");
  logs->add_flag("--previous", f.logs.request.previous,
                 "Kubernetes: the output of the last terminated container");
  logs->add_flag("--timestamps", f.logs.timestamps, "print each line's time first (UTC)");
  logs->footer(
      "Lines print as `instance/container message`, one colour per instance on a terminal\n"
      "(--no-color or NO_COLOR: none). --json prints the server's NDJSON, one object per line:\n"
      "{time, app, release, instance, container, stream, message}. With --follow a dropped\n"
      "connection is retried with backoff (100 ms up to 5 s) and resumes after the last line\n"
      "printed, with no duplicate and no gap. Ctrl-C exits 0.");

  auto* keys = app.add_subcommand("keys", "Ed25519 keys that sign artifacts");
  keys->require_subcommand(1);
  auto* keys_generate = keys->add_subcommand("generate", "create a key pair on this machine");
  keys_generate->add_option("--key", f.keys.key,
                            "private key path (default: $XDG_CONFIG_HOME/aether/keys/"
                            "aether-ed25519.key; the public key gets .pub)");
  keys_generate->add_flag("--force", f.keys.force, "replace an existing key");
  auto* keys_register = keys->add_subcommand("register", "allow a public key to sign an app");
  keys_register->add_option("--key", f.keys.key,
                            "public key (.pub) or private key file (default: "
                            "AETHER_SIGNING_KEY, else the generated key)");
  keys_register->add_option("--name", f.keys.name, "a label for the key (e.g. laptop, ci)");
  auto* keys_list = keys->add_subcommand("list", "list an app's keys");
  auto* keys_deactivate =
      keys->add_subcommand("deactivate", "stop accepting an app's key (it stays listed)");
  keys_deactivate->add_option("id", f.key_id, "key id (sha256:…)")->required();
  for (auto* sub : {keys_register, keys_list, keys_deactivate}) {
    sub->add_option("--app,-a", f.keys.app, "app name (default: from package.json)");
  }

  auto* releases = app.add_subcommand("releases", "list an app's releases, newest first");
  releases->add_option("--limit,-n", f.release.limit, "how many to show (1-500)")
      ->capture_default_str();
  auto* rollback = app.add_subcommand(
      "rollback", "release an earlier version again (artifact, config and scale)");
  rollback->add_option("version", f.version,
                       "release to go back to, like v3 (default: the previous good one)");
  auto* env = app.add_subcommand("env", "config vars, injected into the app's environment");
  env->require_subcommand(1);
  auto* env_list = env->add_subcommand("list", "list config vars (values hidden)");
  env_list->add_flag("--reveal", f.reveal, "print the values too");
  auto* env_set = env->add_subcommand("set", "set config vars: a new release");
  env_set->add_option("pairs", f.env_args, "NAME=value …")->required();
  auto* env_unset = env->add_subcommand("unset", "remove config vars: a new release");
  env_unset->add_option("names", f.env_args, "NAME …")->required();
  auto* scale = app.add_subcommand("scale", "run N instances of the app: a new release");
  scale->add_option("instances", f.instances, "number of instances (1-100)")->required();
  for (auto* sub : {releases, rollback, env_list, env_set, env_unset, scale}) {
    sub->add_option("--app,-a", f.release.app, "app name (default: from package.json)");
  }
  for (auto* sub : {rollback, env_set, env_unset, scale}) {
    sub->add_flag("--no-wait", f.no_wait, "return once the release is created");
  }

  auto* whoami = app.add_subcommand("whoami", "show the token in use: name, scope, apps, expiry");
  auto* tokens = app.add_subcommand("tokens", "API tokens: scoped, per-app, expiring (admin)");
  tokens->require_subcommand(1);
  auto* tokens_create = tokens->add_subcommand("create", "create a token; prints its secret once");
  tokens_create->add_option("--name", f.tokens.name, "a label (letters, digits, - _ .)")
      ->required();
  tokens_create
      ->add_option("--scope", f.tokens.scope,
                   "admin, deploy (deploy and read), read (apps, releases, logs) or "
                   "pull (artifact reads, for agents)")
      ->check(CLI::IsMember({"admin", "deploy", "read", "pull"}))
      ->capture_default_str();
  tokens_create->add_option("--app,-a", f.tokens.apps,
                            "only this app (repeat for several; default: every app)");
  tokens_create->add_option("--expires", f.tokens.expires,
                            "lifetime like 30d, 12h or 90m (default: never)");
  auto* tokens_list = tokens->add_subcommand("list", "list tokens (never their secrets)");
  auto* tokens_revoke = tokens->add_subcommand("revoke", "refuse a token from now on");
  tokens_revoke->add_option("id", f.token_id, "token id (tok_…)")->required();
  auto* tokens_rotate =
      tokens->add_subcommand("rotate", "new secret; the old one works for the grace period");
  tokens_rotate->add_option("id", f.token_id, "token id (tok_…)")->required();
  tokens_rotate->add_option("--grace", f.tokens.grace, "how long the old secret keeps working")
      ->capture_default_str();
  auto* audit = app.add_subcommand("audit", "who changed what: mutating requests and token use");
  audit->add_option("--limit,-n", f.audit_limit, "how many events (1-500)")->capture_default_str();

  auto* version = app.add_subcommand("version", "print the CLI version");
  app.footer(kFooter);  // after the subcommands, so only `aether --help` lists exit codes

  if (argc <= 1) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version: on stdout
    std::string message = e.what();
    if (!message.empty() && message[0] >= 'A' && message[0] <= 'Z' && message.size() > 1 &&
        message[1] >= 'a' && message[1] <= 'z') {
      message[0] = static_cast<char>(message[0] - 'A' + 'a');  // "A subcommand…" → "a subcommand…"
    }
    if (std::vector<std::string> extra = app.remaining(); !extra.empty()) {
      message = "unexpected argument '" + extra.front() + "'";
    }
    Output(false, true).Error(message + " (see `aether --help`)");
    return kExitUsage;
  }

  Output out(f.json || f.format == "json", f.no_color);
  const std::string ca_file = ResolveCaFile(ConfigPath(), f.ca_file);
  if (!ca_file.empty() && !logout->parsed() && !version->parsed()) {
    if (Status st = CheckCaFile(ca_file); !st.ok()) {
      out.Error(st.message());
      return ExitCodeFor(LocalFailure(st));
    }
  }
  Context ctx{out, f.server, ConfigPath(), [ca_file] {
                http::ClientOptions options;
                options.ca_file = ca_file;
                return http::NewClient(options);
              }};
  Outcome outcome;
  try {
    if (login->parsed()) {
      outcome = Login(ctx, f.token, f.ca_file);
    } else if (logout->parsed()) {
      outcome = Logout(ctx);
    } else if (apps_create->parsed()) {
      outcome = AppsCreate(ctx, f.app_name);
    } else if (apps_list->parsed()) {
      outcome = AppsList(ctx);
    } else if (apps_delete->parsed()) {
      outcome = AppsDelete(ctx, f.app_name, f.yes);
    } else if (deploy->parsed()) {
      f.deploy.wait = !f.no_wait;
      f.deploy.evidence.sbom = !f.no_sbom;
      outcome = Deploy(ctx, f.deploy);
    } else if (dev->parsed()) {
      outcome = Dev(ctx, f.dev);
    } else if (logs->parsed()) {
      outcome = Logs(ctx, f.logs);
    } else if (keys_generate->parsed()) {
      outcome = KeysGenerate(ctx, f.keys);
    } else if (keys_register->parsed()) {
      outcome = KeysRegister(ctx, f.keys);
    } else if (keys_list->parsed()) {
      outcome = KeysList(ctx, f.keys);
    } else if (keys_deactivate->parsed()) {
      outcome = KeysDeactivate(ctx, f.keys, f.key_id);
    } else if (releases->parsed()) {
      outcome = ReleasesList(ctx, f.release);
    } else if (rollback->parsed()) {
      f.release.wait = !f.no_wait;
      outcome = Rollback(ctx, f.release, f.version);
    } else if (env_list->parsed()) {
      outcome = EnvList(ctx, f.release, f.reveal);
    } else if (env_set->parsed()) {
      f.release.wait = !f.no_wait;
      outcome = EnvSet(ctx, f.release, f.env_args);
    } else if (env_unset->parsed()) {
      f.release.wait = !f.no_wait;
      outcome = EnvUnset(ctx, f.release, f.env_args);
    } else if (scale->parsed()) {
      f.release.wait = !f.no_wait;
      outcome = Scale(ctx, f.release, f.instances);
    } else if (status->parsed()) {
      outcome = ShowStatus(ctx, f.status_app);
    } else if (whoami->parsed()) {
      outcome = WhoAmI(ctx);
    } else if (tokens_create->parsed()) {
      outcome = TokensCreate(ctx, f.tokens);
    } else if (tokens_list->parsed()) {
      outcome = TokensList(ctx);
    } else if (tokens_revoke->parsed()) {
      outcome = TokensRevoke(ctx, f.token_id);
    } else if (tokens_rotate->parsed()) {
      outcome = TokensRotate(ctx, f.token_id, f.tokens);
    } else if (audit->parsed()) {
      outcome = Audit(ctx, f.audit_limit);
    } else if (version->parsed()) {
      outcome = Version(ctx);
    }
  } catch (const std::exception& e) {  // a bug: still one line, no trace
    outcome = LocalFailure(Internal(std::string("unexpected error: ") + e.what()));
  }
  if (outcome.ok()) return kExitOk;
  out.EndProgress();
  std::string message = outcome.status.message();
  if (outcome.status.code() == ErrorCode::kUntrustedCertificate) {
    message += " (use --ca-file FILE or AETHER_CA_FILE with the CA that signed it)";
  }
  out.Error(message.empty() ? std::string(ErrorCodeName(outcome.status.code())) : message);
  return ExitCodeFor(outcome);
}

}  // namespace aether::cli
