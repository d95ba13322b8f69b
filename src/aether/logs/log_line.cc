// Log line encoding: RFC 3339 nano times, NDJSON and text.
#include "aether/logs/log_line.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace aether::logs {
namespace {

constexpr int64_t kNsPerSec = 1000000000;

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

LinePtr Share(LogLine line) {
  auto shared = std::make_shared<SharedLine>();
  shared->ndjson = ToNdjson(line);
  shared->line = std::move(line);
  return shared;
}

std::string FormatTime(int64_t time_ns) {
  int64_t secs = time_ns / kNsPerSec;
  int64_t frac = time_ns % kNsPerSec;
  if (frac < 0) {
    frac += kNsPerSec;
    --secs;
  }
  std::time_t t = secs;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

std::optional<int64_t> ParseTime(std::string_view s) {
  int year, mon, day, hour, min, sec;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mon) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &min) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) {
        frac = frac * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) frac *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (int64_t{oh} * 3600 + int64_t{om} * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + int64_t{hour} * 3600 + int64_t{min} * 60 + sec - offset;
  return secs * kNsPerSec + frac;
}

std::string ToNdjson(const LogLine& line) {
  nlohmann::ordered_json j;
  j["time"] = FormatTime(line.time_ns);
  j["app"] = line.app;
  j["release"] = line.release;
  j["instance"] = line.instance;
  j["container"] = line.container;
  j["stream"] = line.stream;
  j["message"] = line.message;
  std::string out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
  return out;
}

Result<LogLine> FromNdjson(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return InvalidArgument("log line is not a JSON object");
  LogLine line;
  std::string time;
  for (auto [key, field] : {std::pair<const char*, std::string*>{"time", &time},
                            {"app", &line.app},
                            {"release", &line.release},
                            {"instance", &line.instance},
                            {"container", &line.container},
                            {"stream", &line.stream},
                            {"message", &line.message}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return InvalidArgument(std::string("log line: \"") + key + "\" missing or not a string");
    }
    *field = it->get<std::string>();
  }
  auto ns = ParseTime(time);
  if (!ns) return InvalidArgument("log line: bad time \"" + time + "\"");
  line.time_ns = *ns;
  return line;
}

std::string ToText(const LogLine& line, bool timestamps) {
  std::string out;
  if (timestamps) out = FormatTime(line.time_ns) + " ";
  out += line.instance.empty() ? line.app : line.instance;
  out += '/';
  out += line.container;
  out += ' ';
  out += line.message;
  out += '\n';
  return out;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace aether::logs
