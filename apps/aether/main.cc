// The `aether` CLI: everything lives in src/aether/cli/ (see commands.h).
#include "aether/cli/commands.h"

int main(int argc, char** argv) { return aether::cli::Run(argc, argv); }
