// Child-process helpers for the local runtime: spawn with output redirected to files, poll for
// exit, stop gracefully (SIGTERM, then SIGKILL after a grace period), run to completion.
// Free functions; safe to call from any thread (each pid is owned by one caller).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "aether/core/status.h"

namespace aether::local {

struct SpawnOptions {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=value"
  std::string stdout_path;       // appended to; "" → /dev/null
  std::string stderr_path;
};

// Starts the child in its own process group; it receives SIGTERM if aetherd dies.
Result<pid_t> Spawn(const SpawnOptions& options);

// The exit status (as from waitpid) if the child has exited; reaps it.
std::optional<int> TryWait(pid_t pid);

// SIGTERM to the child, waits up to `grace`, then SIGKILL; always reaps.
void Stop(pid_t pid, std::chrono::milliseconds grace);

struct RunOutput {
  int exit_code = -1;  // 128+signal when killed
  std::string out;
  std::string err;
};
// Runs to completion capturing stdout/stderr; kTimeout (child killed) past `timeout`.
Result<RunOutput> RunCaptured(const SpawnOptions& options, std::chrono::milliseconds timeout);

// "exited with code 3" / "was killed by signal 9".
std::string DescribeExit(int wait_status);

// The last `max_lines` lines of a file ("" if unreadable).
std::string TailFile(const std::string& path, int max_lines);

}  // namespace aether::local
