// App-name rules, id generation and wall-clock formatting.
#include "aether/core/names.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace aether {

Status ValidateAppName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("invalid app name '" + std::string(name.substr(0, 80)) +
                           "': " + std::string(why));
  };
  if (name.empty() || name.size() > 63) return bad("must be 1-63 characters");
  if (name.front() < 'a' || name.front() > 'z') return bad("must start with a lowercase letter");
  if (name.back() == '-') return bad("must not end with '-'");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return bad("only lowercase letters, digits and '-' are allowed");
  }
  return Status::Ok();
}

std::string SanitizeAppName(std::string_view raw) {
  if (auto slash = raw.rfind('/'); slash != std::string_view::npos) raw = raw.substr(slash + 1);
  std::string out;
  for (char c : raw) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (ok) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && (out.front() < 'a' || out.front() > 'z')) out.erase(out.begin());
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string NewId(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(prefix) + "_" + buf;
}

long long NowUnixMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<long long> ParseReleaseVersion(std::string_view text) {
  if (text.starts_with("v")) text.remove_prefix(1);
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) {
    return InvalidArgument("a release version is a positive integer like 3 or v3");
  }
  return v;
}

Result<long long> ParseByteSize(std::string_view text) {
  constexpr std::string_view kSuffixes = "KMGT";
  long long multiplier = 1;
  if (!text.empty()) {
    if (auto at = kSuffixes.find(text.back()); at != std::string_view::npos) {
      multiplier = 1LL << (10 * (at + 1));
      text.remove_suffix(1);
    }
  }
  long long value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > (1LL << 62) / multiplier) {
    return InvalidArgument("a size is a non-negative number of bytes, K, M, G or T suffix allowed");
  }
  return value * multiplier;
}

std::string NowRfc3339() { return Rfc3339FromUnixMillis(NowUnixMillis()); }

std::string Rfc3339FromUnixMillis(long long ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace aether
