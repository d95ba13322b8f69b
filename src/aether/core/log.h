// Operational log lines on stderr: "<RFC 3339 time> <message>". One write(2) per line, so
// lines from concurrent threads never interleave. Thread-safe.
#pragma once

#include <string_view>

namespace aether {

void LogLine(std::string_view message);

}  // namespace aether
