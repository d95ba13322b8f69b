// stderr log lines with a timestamp.
#include "aether/core/log.h"

#include <unistd.h>

#include <string>

#include "aether/core/names.h"

namespace aether {

void LogLine(std::string_view message) {
  std::string line = NowRfc3339() + " " + std::string(message) + "\n";
  (void)!write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace aether
