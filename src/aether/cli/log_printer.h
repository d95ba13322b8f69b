// LogPrinter: how `aether logs` renders a line. Text: "[time ]instance/container message", the
// prefix in one colour per instance (a fixed palette, assigned in order of first appearance)
// when colours are on; --json: the server's NDJSON verbatim. The platform's missed-lines notice
// goes to stderr in text mode. Keeps the instance→colour map; one thread at a time.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "aether/logs/log_line.h"

namespace aether::cli {

class LogPrinter {
 public:
  LogPrinter(bool json, bool color, bool timestamps)
      : json_(json), color_(color), timestamps_(timestamps) {}

  // The text to write for `line` (ending in '\n'), received as `ndjson`.
  std::string Format(const logs::LogLine& line, std::string_view ndjson);
  // Whether `line` goes to stderr instead of stdout.
  bool ToStderr(const logs::LogLine& line) const;

 private:
  // The SGR colour of `instance`'s prefix.
  std::string_view ColorOf(const std::string& instance);

  const bool json_;
  const bool color_;
  const bool timestamps_;
  std::map<std::string, size_t> colors_;  // instance → palette index
};

}  // namespace aether::cli
