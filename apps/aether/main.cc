// The `aether` CLI: everything lives in src/aether/cli/ (see commands.h).
#include <cstdio>
#include <cstdlib>

#include "aether/cli/commands.h"

int main(int argc, char** argv) {
  int code = aether::cli::Run(argc, argv);
  // A worker abandoned at its deadline (provenance on a slow repository) may still be running:
  // end without static destructors or atexit handlers (OpenSSL's cleanup among them), which
  // would pull state from under it and crash the process after its work was done.
  std::fflush(nullptr);
  std::_Exit(code);
}
