// Parsing and validation of log query parameters, and the line filter.
#include "aether/logs/log_query.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace aether::logs {
namespace {

Result<bool> ParseBool(const std::string& name, const std::string& v) {
  if (v == "1" || v == "true" || v.empty()) return true;
  if (v == "0" || v == "false") return false;
  return InvalidArgument(name + " must be true or false, not \"" + v + "\"");
}

}  // namespace

bool LogQuery::Matches(const LogLine& line) const {
  if (!container.empty() && line.container != container) return false;
  if (!release.empty() && line.release != release) return false;
  if (since_ns && line.time_ns < *since_ns) return false;
  return true;
}

std::optional<int64_t> ParseDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t total = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
    if (ec != std::errc() || end == s.data() + pos || n < 0) return std::nullopt;
    pos = static_cast<size_t>(end - s.data());
    int64_t unit = 0;
    if (s.substr(pos, 2) == "ms") {
      unit = 1000000;
      pos += 2;
    } else if (pos < s.size()) {
      switch (s[pos]) {
        case 's':
          unit = 1000000000LL;
          break;
        case 'm':
          unit = 60 * 1000000000LL;
          break;
        case 'h':
          unit = 3600 * 1000000000LL;
          break;
        case 'd':
          unit = 86400 * 1000000000LL;
          break;
        default:
          return std::nullopt;
      }
      ++pos;
    } else {
      return std::nullopt;  // a number needs its unit
    }
    if (n > std::numeric_limits<int64_t>::max() / unit - total / unit) return std::nullopt;
    total += n * unit;
  }
  return total;
}

Result<int64_t> ParseSince(std::string_view text, int64_t now_ns) {
  if (auto d = ParseDuration(text)) return now_ns - *d;
  if (auto t = ParseTime(text)) return *t;
  return InvalidArgument(
      "since must be a duration such as 15m or 1h30m, or an RFC 3339 time, not \"" +
      std::string(text) + "\"");
}

Result<LogQuery> ParseLogQuery(const std::map<std::string, std::string>& params, int64_t now_ns) {
  static const char* const kKnown[] = {"follow",  "tail_lines", "since",  "container",
                                       "release", "previous",   "format", "timestamps"};
  for (const auto& [name, value] : params) {
    bool known = false;
    for (const char* k : kKnown) known = known || name == k;
    if (!known) return InvalidArgument("unknown parameter \"" + name + "\"");
  }
  LogQuery q;
  auto get = [&](const char* name) -> const std::string* {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
  };
  if (auto* v = get("follow")) {
    AETHER_ASSIGN_OR_RETURN(q.follow, ParseBool("follow", *v));
  }
  if (auto* v = get("previous")) {
    AETHER_ASSIGN_OR_RETURN(q.previous, ParseBool("previous", *v));
  }
  if (auto* v = get("timestamps")) {
    AETHER_ASSIGN_OR_RETURN(q.timestamps, ParseBool("timestamps", *v));
  }
  if (auto* v = get("tail_lines")) {
    int n = -1;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n < 0) {
      return InvalidArgument("tail_lines must be a whole number of 0 or more, not \"" + *v + "\"");
    }
    q.tail_lines = n;
  }
  if (auto* v = get("since")) {
    AETHER_ASSIGN_OR_RETURN(q.since_ns, ParseSince(*v, now_ns));
  }
  if (auto* v = get("container")) q.container = *v;
  if (auto* v = get("release")) {
    std::string r = *v;
    if (!r.empty() && std::isdigit(static_cast<unsigned char>(r[0]))) r = "v" + r;
    bool valid = r.size() > 1 && r[0] == 'v';
    for (size_t i = 1; i < r.size(); ++i) {
      valid = valid && std::isdigit(static_cast<unsigned char>(r[i]));
    }
    if (!valid) return InvalidArgument("release must look like v3 or 3, not \"" + *v + "\"");
    q.release = r;
  }
  if (auto* v = get("format")) {
    if (*v != "ndjson" && *v != "text") {
      return InvalidArgument("format must be ndjson or text, not \"" + *v + "\"");
    }
    q.format = *v;
  }
  return q;
}

}  // namespace aether::logs
