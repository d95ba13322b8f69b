// RateLimiter: bursts, refill, Retry-After, independent keys, bounded memory, concurrency;
// ParseRateLimit: the accepted forms and the errors.
#include "aether/service/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace aether {
namespace {

using std::chrono::seconds;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  RateLimiter::Clock fn() {
    return [this] { return now; };
  }
};

TEST(RateLimiter, AllowsABurstThenRefills) {
  FakeClock clock;
  RateLimiter limiter({60, 3}, clock.fn());  // one per second, three at once
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("tok"), std::nullopt) << i;
  EXPECT_EQ(limiter.Take("tok"), seconds(1));
  clock.now += std::chrono::milliseconds(500);
  EXPECT_EQ(limiter.Take("tok"), seconds(1)) << "half a token: still wait (rounded up)";
  clock.now += std::chrono::milliseconds(500);
  EXPECT_EQ(limiter.Take("tok"), std::nullopt);
  EXPECT_EQ(limiter.Take("tok"), seconds(1));
  clock.now += seconds(100);  // refills only up to the burst
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("tok"), std::nullopt) << i;
  EXPECT_TRUE(limiter.Take("tok").has_value());
}

TEST(RateLimiter, RetryAfterIsWholeSecondsUntilTheNextToken) {
  FakeClock clock;
  RateLimiter limiter({6, 1}, clock.fn());  // one every 10 s
  EXPECT_EQ(limiter.Take("tok"), std::nullopt);
  EXPECT_EQ(limiter.Take("tok"), seconds(10));
  clock.now += std::chrono::milliseconds(2500);
  EXPECT_EQ(limiter.Take("tok"), seconds(8));  // 7.5 s left, rounded up
}

TEST(RateLimiter, KeysAreIndependent) {
  FakeClock clock;
  RateLimiter limiter({60, 1}, clock.fn());
  EXPECT_EQ(limiter.Take("a"), std::nullopt);
  EXPECT_TRUE(limiter.Take("a").has_value());
  EXPECT_EQ(limiter.Take("b"), std::nullopt);
}

TEST(RateLimiter, OffAllowsEverything) {
  RateLimiter limiter(RateLimit{});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.Take("tok"), std::nullopt);
  EXPECT_EQ(limiter.KeyCount(), 0U);
}

TEST(RateLimiter, MemoryIsBounded) {
  FakeClock clock;
  RateLimiter limiter({60, 2}, clock.fn(), /*max_keys=*/4);
  for (int i = 0; i < 100; ++i) {
    (void)limiter.Take("key" + std::to_string(i));
    EXPECT_LE(limiter.KeyCount(), 4U);
  }
  // Idle buckets (full again) go first; a busy key keeps its state while others churn.
  clock.now += seconds(10);
  EXPECT_EQ(limiter.Take("busy"), std::nullopt);
  EXPECT_EQ(limiter.Take("busy"), std::nullopt);
  EXPECT_TRUE(limiter.Take("busy").has_value());
  for (int i = 0; i < 10; ++i) {
    clock.now += std::chrono::milliseconds(1);
    (void)limiter.Take("other" + std::to_string(i));
    EXPECT_LE(limiter.KeyCount(), 4U);
  }
  EXPECT_TRUE(limiter.Take("busy").has_value()) << "the busy bucket was evicted";
}

TEST(RateLimiter, ConcurrentTakesNeverExceedTheBurst) {
  FakeClock clock;  // time stands still: exactly `burst` requests may pass
  RateLimiter limiter({60, 50}, clock.fn());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (!limiter.Take("shared")) ++allowed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 50);
}

TEST(ParseRateLimit, AcceptedForms) {
  auto m = ParseRateLimit("120/m");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->per_minute, 120);
  EXPECT_EQ(m->burst, 120);
  auto s = ParseRateLimit("10/s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->per_minute, 600);
  EXPECT_EQ(s->burst, 10);
  auto b = ParseRateLimit("120/m:20");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->burst, 20);
  auto off = ParseRateLimit("0");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled());
}

TEST(ParseRateLimit, ErrorsSayWhatIsExpected) {
  for (const char* bad :
       {"", "120", "120/h", "-1/m", "0/m", "abc/m", "10/s:0", "10/s:x", "99999999999/s", "/m"}) {
    auto r = ParseRateLimit(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("expected N/s or N/m"), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos);
  }
}

}  // namespace
}  // namespace aether
