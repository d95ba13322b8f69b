// aether-agent: the data plane binary. `fetch` downloads, verifies and unpacks an artifact
// (the Kubernetes init container, or the local runtime before start); `run` supervises the
// Node process. Single-threaded; see fetch.h and run.h.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "fetch.h"
#include "run.h"

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
  run_cmd->add_option("--status-file", run.status_file,
                      "JSON file kept up to date with {restarts, last_exit}");
  // Everything from the first positional (or after "--") is the command, so its own flags
  // ("sh -c …") are never taken for ours.
  run_cmd->prefix_command();
  run_cmd->footer(
      "Usage: aether-agent run --dir DIR [--grace-ms N] [--status-file F] -- CMD [ARGS...]");

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
  CLI11_PARSE(app, parsed_argc, argv);

  if (*fetch_cmd) {
    if (const char* token = std::getenv("AETHER_PULL_TOKEN")) fetch.token = token;
    return aether::agent::RunFetch(fetch);
  }
  run.grace = std::chrono::milliseconds(grace_ms);
  run.command = run_cmd->remaining();
  run.command.insert(run.command.end(), after_dashes.begin(), after_dashes.end());
  return aether::agent::RunSupervisor(run);
}
