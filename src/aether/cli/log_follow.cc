// LogResume and Backoff: cursors per stream, the resume request and the reconnect delays.
#include "aether/cli/log_follow.h"

#include <algorithm>

namespace aether::cli {

bool IsMissedLinesNotice(const logs::LogLine& line) {
  return line.container == logs::kPlatformContainer && line.stream == logs::kEventStream &&
         line.message.starts_with("missed ") && line.message.ends_with("(reader too slow)");
}

LogsRequest LogResume::NextRequest() {
  if (connections_++ == 0) return original_;
  for (auto& [key, cursor] : cursors_) {
    cursor.replay = cursor.at_time;
    cursor.replaying = true;
  }
  LogsRequest req = original_;
  req.tail_lines = -1;
  std::optional<int64_t> since = cursors_.empty() ? fallback_since_ns_ : ResumeSince();
  if (since) req.since = logs::FormatTime(*since);
  return req;
}

LogResume::Verdict LogResume::Accept(const logs::LogLine& line) {
  if (IsMissedLinesNotice(line)) return Verdict::kNotice;
  auto [it, inserted] = cursors_.try_emplace(line.instance + "/" + line.container);
  Cursor& c = it->second;
  if (!inserted && c.replaying) {
    if (line.time_ns < c.time_ns) return Verdict::kSkip;
    if (line.time_ns == c.time_ns) {
      auto seen = c.replay.find(line.message);
      if (seen != c.replay.end() && seen->second > 0) {
        --seen->second;
        return Verdict::kSkip;
      }
    } else {
      c.replaying = false;  // past the cut: this stream's lines are all new from here on
      c.replay.clear();
    }
  }
  if (inserted || line.time_ns > c.time_ns) {
    c.time_ns = line.time_ns;
    c.at_time.clear();
  }
  // A line older than the cursor (out of order within one connection) is printed but does not
  // move the cursor back.
  if (line.time_ns == c.time_ns) ++c.at_time[line.message];
  return Verdict::kPrint;
}

std::optional<int64_t> LogResume::ResumeSince() const {
  std::optional<int64_t> since;
  for (const auto& [key, cursor] : cursors_) {
    if (!since || cursor.time_ns < *since) since = cursor.time_ns;
  }
  return since;
}

std::chrono::milliseconds Backoff::Next() {
  std::chrono::milliseconds delay = next_;
  next_ = std::min(max_, next_ * 2);
  return delay;
}

}  // namespace aether::cli
