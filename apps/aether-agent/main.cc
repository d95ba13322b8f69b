// aether-agent: the data plane binary. `fetch` downloads, verifies and unpacks an artifact
// (the Kubernetes init container, or the local runtime before start); `probe` is the
// Kubernetes readiness/liveness check; `run` supervises the
// Node process (with `--dev-hot`, also swapping it to the artifact its pod's annotation names).
// Single-threaded except in dev-hot mode; see fetch.h, run.h and dev_hot.h.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "aether/http/proxy.h"
#include "dev_hot.h"
#include "fetch.h"
#include "run.h"

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// The value of the first of the two variables that is set.
std::string FirstEnv(const char* first, const char* second) {
  std::string v = Env(first);
  return v.empty() ? Env(second) : v;
}

// Fills in dev-hot options from the environment and checks them; "" when they are usable.
std::string CompleteDevHot(aether::agent::DevHotOptions& o, const std::string& dir) {
  namespace fs = std::filesystem;
  if (o.server.empty()) return "--dev-hot needs --server";
  if (o.app.empty()) return "--dev-hot needs --app";
  if (o.pod.empty()) o.pod = Env("POD_NAME");
  if (o.pod.empty()) return "--dev-hot needs --pod (or POD_NAME)";
  if (o.ns.empty()) o.ns = Env("POD_NAMESPACE");  // else the service account's namespace
  for (const std::string* name : {&o.pod, &o.ns}) {
    if (name->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") != std::string::npos) {
      return "bad pod or namespace name '" + *name + "'";
    }
  }
  std::error_code ec;
  fs::path d = fs::absolute(dir, ec).lexically_normal();
  if (!d.has_filename()) d = d.parent_path();  // "/srv/aether/app/" → "/srv/aether/app"
  o.dir = d.string();
  o.root = o.root.empty() ? d.parent_path().string()
                          : fs::absolute(o.root, ec).lexically_normal().string();
  o.token = Env("AETHER_PULL_TOKEN");
  // Kubernetes dev-hot pods get them from the ConfigMap as AETHER_HOT_* (manifests.cc).
  o.artifact = FirstEnv("AETHER_HOT_ARTIFACT", "AETHER_ARTIFACT");
  o.deployment = FirstEnv("AETHER_HOT_DEPLOYMENT", "AETHER_DEPLOYMENT");
  o.app_port = std::atoi(Env("PORT").c_str());
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aether-agent: fetch and run AetherEngine artifacts"};
  app.require_subcommand(1);

  aether::agent::FetchOptions fetch;
  CLI::App* fetch_cmd = app.add_subcommand("fetch", "download, verify and unpack an artifact");
  fetch_cmd->add_option("--server", fetch.server, "aetherd base URL")->required();
  fetch_cmd->add_option("--app", fetch.app, "app name")->required();
  fetch_cmd->add_option("--artifact", fetch.artifact, "artifact digest (sha256:…)")->required();
  fetch_cmd->add_option("--dest", fetch.dest, "directory to create (replaced atomically)")
      ->required();
  fetch_cmd->add_option("--cache", fetch.cache, "layer cache directory");
  fetch_cmd->add_flag("--require-signature", fetch.require_signature,
                      "refuse an artifact whose signature does not verify against one of the "
                      "app's active public keys");

  aether::agent::RunOptions run;
  int grace_ms = 10000;
  CLI::App* run_cmd = app.add_subcommand("run", "supervise the app process");
  run_cmd->add_option("--dir", run.dir, "working directory")->required();
  run_cmd->add_option("--grace-ms", grace_ms, "SIGTERM to SIGKILL delay on shutdown")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_flag("--no-restart", run.no_restart,
                    "exit with the app's exit code instead of restarting it (on Kubernetes the "
                    "kubelet restarts the container and reports crash loops)");
  run_cmd->add_option("--status-file", run.status_file,
                      "JSON file kept up to date with {restarts, last_exit}");
  run_cmd->add_option("--log-file", run.log_file,
                      "capture the app's stdout/stderr and the agent's notices into this file "
                      "(CRI log format, rotated by size)");
  run_cmd->add_option("--log-max-bytes", run.log_max_bytes, "rotate the log file at this size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  run_cmd->add_option("--log-keep", run.log_keep, "rotated log files kept (FILE.1 … FILE.K)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  run_cmd->add_flag("--sandbox", run.sandbox,
                    "run the command in a bubblewrap sandbox: DIR at /app, read-only system, "
                    "private /tmp, nothing else of the host; as nobody when the agent is root");
  bool dev_hot = false;
  aether::agent::DevHotOptions hot;
  CLI::Option* dev_hot_flag = run_cmd->add_flag(
      "--dev-hot", dev_hot,
      "follow this pod's aether.dev/hot-artifact annotation and swap the process to it; "
      "serve GET /status (needs --server, --app, --pod)");
  run_cmd->add_option("--server", hot.server, "aetherd base URL (dev-hot)")->needs(dev_hot_flag);
  run_cmd->add_option("--app", hot.app, "app name (dev-hot)")->needs(dev_hot_flag);
  run_cmd->add_option("--pod", hot.pod, "this pod's name (dev-hot; default $POD_NAME)")
      ->needs(dev_hot_flag);
  run_cmd
      ->add_option("--namespace", hot.ns,
                   "this pod's namespace (dev-hot; default $POD_NAMESPACE, else the service "
                   "account's)")
      ->needs(dev_hot_flag);
  run_cmd->add_option("--status-port", hot.status_port, "port of GET /status (dev-hot)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str()
      ->needs(dev_hot_flag);
  run_cmd
      ->add_option("--root", hot.root,
                   "where swapped releases are unpacked (dev-hot; default: the parent of --dir)")
      ->needs(dev_hot_flag);
  run_cmd
      ->add_flag("--require-signature", hot.require_signature,
                 "dev-hot: refuse an artifact whose signature does not verify against one of "
                 "the app's active public keys")
      ->needs(dev_hot_flag);
  // Everything from the first positional (or after "--") is the command, so its own flags
  // ("sh -c …") are never taken for ours.
  run_cmd->prefix_command();
  run_cmd->footer(
      "Usage: aether-agent run --dir DIR [--grace-ms N] [--status-file F] [--no-restart] "
      "[--sandbox]\n"
      "         [--log-file F [--log-max-bytes N] [--log-keep K]]\n"
      "         [--dev-hot --server URL --app APP [--pod NAME] [--namespace NS]\n"
      "          [--status-port N] [--root DIR] [--require-signature]] -- CMD [ARGS...]\n"
      "Dev-hot reads AETHER_PULL_TOKEN, AETHER_[HOT_]ARTIFACT, AETHER_[HOT_]DEPLOYMENT and PORT.");

  // "run … -- CMD ARGS": split at the first "--" ourselves so CMD's own flags and a further
  // "--" reach CMD untouched.
  std::vector<std::string> after_dashes;
  int parsed_argc = argc;
  if (argc > 1 && std::string(argv[1]) == "run") {
    for (int i = 2; i < argc; ++i) {
      if (std::string(argv[i]) == "--") {
        after_dashes.assign(argv + i + 1, argv + argc);
        parsed_argc = i;
        break;
      }
    }
  }
  int probe_port = 0;
  std::string probe_path;
  CLI::App* probe_cmd = app.add_subcommand(
      "probe", "exit 0 when the app answers on 127.0.0.1:PORT (the Kubernetes exec probe)");
  probe_cmd->add_option("--port", probe_port, "the app's port")
      ->required()
      ->check(CLI::Range(1, 65535));
  probe_cmd->add_option("--path", probe_path,
                        "health path that must answer 2xx/3xx (default: any HTTP answer at /)");

  CLI11_PARSE(app, parsed_argc, argv);
  if (*probe_cmd) {
    return aether::http::ProbeReady("127.0.0.1", probe_port, probe_path,
                                    std::chrono::milliseconds(2000))
               ? 0
               : 1;
  }

  if (*fetch_cmd) {
    if (const char* token = std::getenv("AETHER_PULL_TOKEN")) fetch.token = token;
    return aether::agent::RunFetch(fetch);
  }
  run.grace = std::chrono::milliseconds(grace_ms);
  run.command = run_cmd->remaining();
  run.command.insert(run.command.end(), after_dashes.begin(), after_dashes.end());
  if (!dev_hot) return aether::agent::RunSupervisor(run);

  if (std::string bad = CompleteDevHot(hot, run.dir); !bad.empty()) {
    std::fprintf(stderr, "aether-agent: run: %s\n", bad.c_str());
    return 2;
  }
  aether::agent::DevHot swaps(hot);
  run.swaps = &swaps;
  int code = aether::agent::RunSupervisor(run);
  swaps.Stop();
  // A fetch may still be running on the worker thread: end here, without destructors.
  std::fflush(nullptr);
  std::_Exit(code);
}
