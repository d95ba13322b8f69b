// Child processes for the CLI: run a program (fork/exec, no shell, found with FindOnPath)
// capturing its combined stdout+stderr. Blocking free functions; thread-compatible
// (fork from a multi-threaded process is fine here: the child only execs).
#pragma once

#include <string>
#include <vector>

#include "aether/core/files.h"  // FindOnPath
#include "aether/core/status.h"

namespace aether::cli {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128+signal when killed by a signal
  std::string output;  // stdout and stderr interleaved
};

// Runs argv[0] (searched on PATH) in `cwd` (current directory when empty) with stdin from
// /dev/null. Fails only when the program cannot be started (kFailedPrecondition).
Result<ProcessResult> RunCapture(const std::vector<std::string>& argv, const std::string& cwd = "");

// The last `n` non-empty lines of `text`, joined with " | " (one line, each piece trimmed).
std::string LastLines(const std::string& text, int n);

}  // namespace aether::cli
