// The `aether` command line: CLI11 wiring of every command onto the handlers, the help text
// (with exit codes) and the one place that prints a failure and picks the exit code.
// Run is called once per process from apps/aether/main.cc.
#pragma once

namespace aether::cli {

// Parses argv, runs the command and returns the process exit code (see exit_codes.h).
int Run(int argc, char** argv);

}  // namespace aether::cli
