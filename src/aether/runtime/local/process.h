// Child-process helpers for the local runtime: spawn with output redirected to files, poll for
// exit, stop gracefully (SIGTERM, then SIGKILL after a grace period), run to completion; also
// liveness and stop for processes a previous aetherd started (not our children).
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
  // false: own process group, SIGTERM when aetherd dies. true: own session and no parent-death
  // signal, so the child outlives aetherd and a terminal's Ctrl-C to aetherd misses it.
  bool detach = false;
};

// Starts the child (signal mask cleared, only fds 0-2 inherited) as `options.detach` says.
Result<pid_t> Spawn(const SpawnOptions& options);

// The exit status (as from waitpid) if the child has exited; reaps it.
std::optional<int> TryWait(pid_t pid);

// Whether `pid` runs: our child that has not exited (reaped if it has), or another process that
// is not a zombie and, when `expect_arg` is set, has that exact argument in its command line (a
// guard against pid reuse for processes started by a previous aetherd).
bool IsRunning(pid_t pid, const std::string& expect_arg = "");

// SIGTERM to the process, waits up to `grace`, then SIGKILL to its group and itself. Reaps our
// children; for other processes (checked with IsRunning and `expect_arg`, never signalled when
// they do not match) it polls until they are gone.
void Stop(pid_t pid, std::chrono::milliseconds grace, const std::string& expect_arg = "");

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
