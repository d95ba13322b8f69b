// A log line as the API streams it: {time, app, release, instance, container, stream, message}
// (one NDJSON object per line), plus the time format used everywhere in logs (RFC 3339 with
// nanoseconds, UTC) and the text rendering. Value types and pure functions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::logs {

// Platform events (fetch, verify, unpack, start, ready, crash, restart, missed lines) are lines
// with this container and stream.
inline constexpr std::string_view kPlatformContainer = "aether";
inline constexpr std::string_view kEventStream = "event";

struct LogLine {
  int64_t time_ns = 0;  // Unix epoch, nanoseconds
  std::string app;
  std::string release;    // "v3"; "" when unknown
  std::string instance;   // "web-5f2c.0" locally, the pod name on Kubernetes; "" app-wide
  std::string container;  // "app", "fetch", "aether", …
  std::string stream;     // "stdout", "stderr" or "event"
  std::string message;    // without the trailing newline

  bool operator==(const LogLine&) const = default;
};

// A line shared by every reader it fans out to, with its NDJSON encoding made once.
struct SharedLine {
  LogLine line;
  std::string ndjson;  // ToNdjson(line)
};
using LinePtr = std::shared_ptr<const SharedLine>;
LinePtr Share(LogLine line);

// "2026-11-29T01:52:56.123456789Z" (always 9 fraction digits, so strings sort by time).
std::string FormatTime(int64_t time_ns);
// RFC 3339: "2026-11-29T01:52:56Z", with an optional fraction (up to 9 digits) and a "Z" or
// "+hh:mm" offset. nullopt when malformed.
std::optional<int64_t> ParseTime(std::string_view text);

// {"time":…,"app":…,"release":…,"instance":…,"container":…,"stream":…,"message":…}\n
std::string ToNdjson(const LogLine& line);
// The inverse; kInvalidArgument when a field is missing or of the wrong type.
Result<LogLine> FromNdjson(std::string_view text);
// "instance/container message\n", with the time first when `timestamps`.
std::string ToText(const LogLine& line, bool timestamps);

// Now, for line times.
int64_t NowNs();

}  // namespace aether::logs
