// Token buckets per key, and the operator's rate-limit setting.
#include "aether/service/rate_limit.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace aether {
namespace {

constexpr long long kMaxPerMinute = 1'000'000'000;

Result<long long> Count(std::string_view text) {
  long long n = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < 0 ||
      n > kMaxPerMinute) {
    return InvalidArgument("");
  }
  return n;
}

Status BadLimit(std::string_view text, std::string_view why) {
  return InvalidArgument("rate limit '" + std::string(text) + "': " + std::string(why) +
                         " (expected N/s or N/m, optionally :BURST, e.g. 120/m or 10/s:20; 0 "
                         "for no limit)");
}

}  // namespace

Result<RateLimit> ParseRateLimit(std::string_view text) {
  if (text == "0") return RateLimit{};
  std::string_view rest = text;
  std::optional<long long> burst;
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    auto b = Count(rest.substr(colon + 1));
    if (!b.ok() || *b == 0) return BadLimit(text, "the burst must be a positive integer");
    burst = *b;
    rest = rest.substr(0, colon);
  }
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return BadLimit(text, "missing unit");
  std::string_view unit = rest.substr(slash + 1);
  if (unit != "s" && unit != "m") return BadLimit(text, "the unit must be s or m");
  auto n = Count(rest.substr(0, slash));
  if (!n.ok() || *n == 0) {
    return BadLimit(text, "the count must be a positive integer (0 alone turns limits off)");
  }
  const long long per_minute = unit == "s" ? *n * 60 : *n;
  if (per_minute > kMaxPerMinute) return BadLimit(text, "too large");
  return RateLimit{per_minute, burst.value_or(*n)};
}

RateLimiter::RateLimiter(RateLimit limit, Clock clock, size_t max_keys)
    : limit_{limit.per_minute, std::max<long long>(1, limit.burst)},
      per_second_(static_cast<double>(limit.per_minute) / 60.0),
      clock_(std::move(clock)),
      max_keys_(std::max<size_t>(1, max_keys)) {}

void RateLimiter::Refill(Bucket& b, std::chrono::steady_clock::time_point now) const {
  if (now <= b.last) return;
  const std::chrono::duration<double> elapsed = now - b.last;
  b.tokens = std::min(static_cast<double>(limit_.burst), b.tokens + elapsed.count() * per_second_);
  b.last = now;
}

void RateLimiter::EvictLocked(std::chrono::steady_clock::time_point now) {
  const auto full = static_cast<double>(limit_.burst);
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now);
    it = it->second.tokens >= full ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < max_keys_) return;
  // Every bucket is in use: drop the fullest, which forgives the fewest requests.
  auto fullest = std::max_element(
      buckets_.begin(), buckets_.end(),
      [](const auto& a, const auto& b) { return a.second.tokens < b.second.tokens; });
  if (fullest != buckets_.end()) buckets_.erase(fullest);
}

std::optional<std::chrono::seconds> RateLimiter::Take(std::string_view key) {
  if (!limit_.enabled()) return std::nullopt;
  const auto now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) EvictLocked(now);
    it = buckets_.emplace(std::string(key), Bucket{static_cast<double>(limit_.burst), now}).first;
  }
  Bucket& b = it->second;
  Refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) / per_second_;
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))));
}

size_t RateLimiter::KeyCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

}  // namespace aether
