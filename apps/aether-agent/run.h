// `aether-agent run`: supervises the app's process. Starts the command in its own process
// group, forwards SIGTERM/SIGINT/SIGHUP to that group, restarts it with exponential backoff
// when it exits, and on SIGTERM/SIGINT stops it within a grace period. One per process: it
// installs process-wide signal handlers.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace aether::agent {

struct RunOptions {
  std::string dir;                         // working directory of the command
  std::chrono::milliseconds grace{10000};  // SIGTERM → SIGKILL delay on shutdown
  std::vector<std::string> command;        // argv, looked up in PATH
  // When set, rewritten atomically on every restart: {"restarts": N, "last_exit": "…"}, so
  // the runtime can tell a crash loop without parsing logs.
  std::string status_file;
  // Restart backoff: `initial` doubling up to `max`; reset once a run lasted `reset_after`.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{10000};
  std::chrono::milliseconds reset_after{30000};
};

// Runs until a stop signal (SIGTERM/SIGINT) has been handled; returns the process exit code:
// 0 once the child has stopped, 1 on a setup failure (bad directory, no command).
int RunSupervisor(const RunOptions& options);

}  // namespace aether::agent
