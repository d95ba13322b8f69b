// Following an app's logs across dropped connections, with no duplicate and no gap. Per stream
// (instance/container) LogResume keeps the time of the last line printed and the messages
// printed at exactly that time. A reconnect asks for the lines since the earliest of those
// times (`since` is inclusive; never `tail_lines` again) and drops what the server replays up to
// each stream's own cursor. The platform's "missed N lines" notices are printed but move no
// cursor. Backoff is the reconnect delay schedule. Value types; one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "aether/cli/api_client.h"
#include "aether/logs/log_line.h"

namespace aether::cli {

// True for the line the server sends when this reader fell behind and lines were dropped for it
// (container "aether", stream "event", "missed N lines (reader too slow)").
bool IsMissedLinesNotice(const logs::LogLine& line);

class LogResume {
 public:
  enum class Verdict {
    kPrint,   // a new line: print it (its stream's cursor moved)
    kNotice,  // about this connection (missed lines): print it, no cursor moves
    kSkip,    // printed before the reconnect: drop it
  };

  // `original`: the request as the user made it. `fallback_since_ns`: where a reconnect starts
  // when nothing was printed yet (the --since time, or the start time with --tail); nullopt:
  // the original request again (without --tail or --since every line is new).
  LogResume(LogsRequest original, std::optional<int64_t> fallback_since_ns)
      : original_(std::move(original)), fallback_since_ns_(fallback_since_ns) {}

  // The request for the next connection: the original one first; after that, its filters with
  // `since` = ResumeSince() (RFC 3339) and no tail. Each call after the first starts a replay.
  LogsRequest NextRequest();
  // Whether to print `line`, received on the current connection; records it when printed.
  Verdict Accept(const logs::LogLine& line);
  // The earliest of the streams' last printed times; nullopt before anything was printed.
  std::optional<int64_t> ResumeSince() const;

 private:
  struct Cursor {
    int64_t time_ns = 0;
    std::map<std::string, int> at_time;  // messages printed at time_ns (how many times)
    // During a replay (after a reconnect, until this stream prints again): how many of each
    // message at time_ns the server may send again.
    std::map<std::string, int> replay;
    bool replaying = false;
  };

  const LogsRequest original_;
  const std::optional<int64_t> fallback_since_ns_;
  int connections_ = 0;
  std::map<std::string, Cursor> cursors_;  // by "instance/container"
};

// Reconnect delays: `first`, doubling up to `max`; Reset after a connection delivered a line.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds first = std::chrono::milliseconds(100),
                   std::chrono::milliseconds max = std::chrono::seconds(5))
      : first_(first), max_(max), next_(first) {}
  std::chrono::milliseconds Next();
  void Reset() { next_ = first_; }

 private:
  std::chrono::milliseconds first_, max_, next_;
};

}  // namespace aether::cli
