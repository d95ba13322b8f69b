// Per-key request rate limiting (the key is the API token's id): a token bucket per key that
// refills at `per_minute` and holds at most `burst`. Memory is bounded: past `max_keys` buckets,
// idle (full) buckets are dropped, else the fullest one. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aether/core/status.h"

namespace aether {

struct RateLimit {
  long long per_minute = 0;  // 0: no limit
  long long burst = 0;       // requests allowed at once after an idle period (≥1 when limited)

  bool enabled() const { return per_minute > 0; }
};

// An operator setting (AETHER_RATE_LIMIT): "120/m" or "10/s" (requests per minute or second),
// optionally ":B" for the burst ("120/m:20"; default: the number before the slash), or "0"
// for no limit. kInvalidArgument saying what is expected otherwise.
Result<RateLimit> ParseRateLimit(std::string_view text);

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr size_t kDefaultMaxKeys = 10000;

  explicit RateLimiter(RateLimit limit, Clock clock = std::chrono::steady_clock::now,
                       size_t max_keys = kDefaultMaxKeys);

  // Takes one request for `key`: nullopt when allowed, else the whole seconds (≥1) until one
  // request would be allowed (the Retry-After). Always allowed when the limit is off.
  std::optional<std::chrono::seconds> Take(std::string_view key);

  const RateLimit& limit() const { return limit_; }
  size_t KeyCount() const;  // buckets held, for tests

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;  // last refill (and use)
  };
  void Refill(Bucket& b, std::chrono::steady_clock::time_point now) const;
  void EvictLocked(std::chrono::steady_clock::time_point now);

  const RateLimit limit_;
  const double per_second_;
  const Clock clock_;
  const size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace aether
