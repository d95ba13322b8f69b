// Pod log paths, timestamped line parsing, the reopen cursor and restart messages.
#include "aether/runtime/kubernetes/pod_log.h"

#include <gtest/gtest.h>

#include <vector>

#include "aether/logs/log_line.h"

namespace aether::kubert {
namespace {

TEST(PodLogPath, CarriesEveryOption) {
  PodLogRequest r;
  r.ns = "apps";
  r.pod = "web-5f-x2";
  r.container = "app";
  EXPECT_EQ(PodLogPath(r),
            "/api/v1/namespaces/apps/pods/web-5f-x2/log?container=app&timestamps=true");
  r.follow = true;
  r.previous = true;
  r.tail_lines = 5;
  r.since_ns = *logs::ParseTime("2026-01-02T03:04:05.123Z");
  EXPECT_EQ(PodLogPath(r),
            "/api/v1/namespaces/apps/pods/web-5f-x2/log?container=app&timestamps=true&follow=true"
            "&previous=true&tailLines=5&sinceTime=2026-01-02T03%3A04%3A05.123000000Z");
}

TEST(ParsePodLogLine, SplitsTimeAndMessage) {
  auto l = ParsePodLogLine("2026-01-02T03:04:05.000000042Z hello  world\r");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->time_ns, *logs::ParseTime("2026-01-02T03:04:05Z") + 42);
  EXPECT_EQ(l->message, "hello  world");
  auto empty = ParsePodLogLine("2026-01-02T03:04:05.5Z ");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->message, "");
  auto bare = ParsePodLogLine("2026-01-02T03:04:05Z");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->message, "");
  EXPECT_FALSE(ParsePodLogLine("not a time at all"));
  EXPECT_FALSE(ParsePodLogLine(""));
}

// What a stream delivers of `times` through `cursor`.
std::vector<int64_t> Take(LogCursor& cursor, const std::vector<int64_t>& times) {
  std::vector<int64_t> out;
  for (int64_t t : times) {
    if (cursor.Accept(t)) out.push_back(t);
  }
  return out;
}

TEST(LogCursor, AReopenedStreamNeitherRepeatsNorSkips) {
  LogCursor c;
  EXPECT_EQ(Take(c, {10, 20, 20, 30, 30}), (std::vector<int64_t>{10, 20, 20, 30, 30}));
  EXPECT_EQ(c.time_ns(), 30);
  // Reopened from a time rounded down: everything again, then two new lines at 30 and later.
  c.Reopen();
  EXPECT_EQ(Take(c, {10, 20, 20, 30, 30, 30, 30, 40}), (std::vector<int64_t>{30, 30, 40}));
  c.Reopen();
  EXPECT_EQ(Take(c, {30, 30, 30, 30, 40, 40}), (std::vector<int64_t>{40}));
}

TEST(LogCursor, AFloorDropsOlderLinesOnly) {
  LogCursor c(100);
  EXPECT_EQ(Take(c, {50, 99, 100, 100, 101}), (std::vector<int64_t>{100, 100, 101}));
}

TEST(LogCursor, EqualTimesWithoutReopenAreAllNew) {
  LogCursor c;
  EXPECT_EQ(Take(c, {5, 5, 5}), (std::vector<int64_t>{5, 5, 5}));
}

TEST(RestartMessage, NamesTheCountAndHowItEnded) {
  auto st = nlohmann::json::parse(R"({"name":"app","restartCount":2,
      "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}})");
  EXPECT_EQ(RestartMessage(st), "container app restarted (restart 2): exited with code 1 (Error)");
  st["lastState"]["terminated"] = {{"exitCode", 137}, {"signal", 9}};
  EXPECT_EQ(RestartMessage(st), "container app restarted (restart 2): killed by signal 9");
  st.erase("lastState");
  EXPECT_EQ(RestartMessage(st), "container app restarted (restart 2)");
}

}  // namespace
}  // namespace aether::kubert
