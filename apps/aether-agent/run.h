// `aether-agent run`: supervises the app's process. Starts the command in its own process
// group, forwards SIGTERM/SIGINT/SIGHUP to that group, restarts it with exponential backoff
// when it exits, and on SIGTERM/SIGINT stops it within a grace period. With a log file it
// captures the app's output into it (output.h). In dev-hot mode a
// SwapSource (dev_hot.h) asks it to replace the process by one in another directory. One per
// process: it installs process-wide signal handlers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace aether::agent {

// Replace the running process: stop it (SIGTERM to its group, SIGKILL after the grace period),
// then start `command` in `dir` (with dir/node_modules/.bin first on PATH).
struct SwapRequest {
  std::string dir;
  std::vector<std::string> command;  // empty: keep the current command
};

// Where swap requests come from. Every method runs on the supervisor's thread; the `wake`
// callback handed to Start is the one thing the source may call from its own threads (it makes
// the supervisor call TakeSwap soon). Threads the source starts inside Start inherit a signal
// mask blocking the supervisor's signals.
class SwapSource {
 public:
  virtual ~SwapSource() = default;
  // Once the supervisor is set up, before the first start; false aborts (exit code 1).
  virtual bool Start(std::function<void()> wake) = 0;
  virtual std::optional<SwapRequest> TakeSwap() = 0;
  // The old process has ended and the new one started: `pid`, or 0 when it could not start.
  virtual void Swapped(const SwapRequest& request, pid_t pid) = 0;
  // After every start and exit: the current pid (0 while none runs) and the restart count.
  virtual void ProcessChanged(pid_t pid, int restarts) = 0;
};

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
  SwapSource* swaps = nullptr;  // dev-hot mode; not owned
  // Exit with the app's status (128+signal when killed) instead of restarting it.
  bool no_restart = false;
  // When set, the app's stdout and stderr go through pipes into this CRI-format log file
  // (rotated at log_max_bytes, log_keep old files kept), and the agent's notices (start, exit,
  // restart, swap, stop) become "event" records in it. Otherwise the app inherits the agent's
  // stdout/stderr and notices go to stderr as "[aether-agent] …" lines.
  std::string log_file;
  long long log_max_bytes = 10LL * 1024 * 1024;
  int log_keep = 3;
  // Run the command in the bubblewrap sandbox (sandbox.h): the directory at /app, read-only
  // system, private /tmp; as nobody (the directory given to it) when the agent is root. The
  // agent itself stays outside: it captures the output, restarts and signals as without.
  bool sandbox = false;
};

// Runs until a stop signal (SIGTERM/SIGINT) has been handled, or with no_restart until the app
// exits; returns the process exit code: 0 once the child has stopped, the app's own code with
// no_restart, 1 on a setup failure (bad directory, no command).
int RunSupervisor(const RunOptions& options);

}  // namespace aether::agent
