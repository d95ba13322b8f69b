// What a reader asks of an app's logs (GET /apps/{app}/logs parameters), parsed and validated
// in one place so the API answers 400 for bad input, and the filter every source applies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aether/core/status.h"
#include "aether/logs/log_line.h"

namespace aether::logs {

struct LogQuery {
  bool follow = false;
  int tail_lines = -1;              // the last N lines of each instance/container; -1: all
  std::optional<int64_t> since_ns;  // lines at or after this time
  std::string container;            // "" every container
  std::string release;              // "v3"; "" every release
  bool previous = false;            // Kubernetes: the last terminated container's output
  std::string format = "ndjson";    // or "text"
  bool timestamps = false;          // text format: time first

  // container, release and since; tail is applied by the source per instance/container.
  bool Matches(const LogLine& line) const;
};

// "15m", "1h30m", "90s", "500ms", "2d" → nanoseconds; nullopt when malformed or negative.
std::optional<int64_t> ParseDuration(std::string_view text);
// A duration ago from `now_ns`, or an RFC 3339 time. kInvalidArgument naming the value.
Result<int64_t> ParseSince(std::string_view text, int64_t now_ns);
// From decoded query parameters (follow, tail_lines, since, container, release, previous,
// format, timestamps). Booleans accept 1/0/true/false; "release" accepts "3" or "v3".
// kInvalidArgument with a message naming the parameter.
Result<LogQuery> ParseLogQuery(const std::map<std::string, std::string>& params, int64_t now_ns);

}  // namespace aether::logs
