// LogResume and Backoff: no duplicate and no gap across cuts, missed-lines notices, the resume
// request, and the reconnect delays.
#include "aether/cli/log_follow.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace aether::cli {
namespace {

using Verdict = LogResume::Verdict;
using std::chrono::milliseconds;

logs::LogLine Line(int64_t t, std::string instance, std::string message,
                   std::string container = "app") {
  return {t, "web", "v1", std::move(instance), std::move(container), "stdout", std::move(message)};
}

logs::LogLine Missed(int64_t t, int n) {
  return {t,
          "web",
          "",
          "",
          "aether",
          "event",
          "missed " + std::to_string(n) + " lines (reader too slow)"};
}

TEST(LogResume, FirstRequestIsTheOriginalAndReconnectsNeverSendTail) {
  LogsRequest original;
  original.follow = true;
  original.tail_lines = 10;
  original.container = "app";
  original.release = "v2";
  LogResume resume(original, 1'000'000'000);
  EXPECT_EQ(resume.NextRequest(), original);
  // Nothing printed yet: from the fallback time, without tail.
  LogsRequest again = resume.NextRequest();
  EXPECT_EQ(again.tail_lines, -1);
  EXPECT_EQ(again.since, logs::FormatTime(1'000'000'000));
  EXPECT_EQ(again.container, "app");
  EXPECT_EQ(again.release, "v2");
  EXPECT_TRUE(again.follow);
}

TEST(LogResume, WithoutFallbackAReconnectBeforeAnyLineAsksForEverything) {
  LogsRequest original;
  original.follow = true;
  LogResume resume(original, std::nullopt);
  resume.NextRequest();
  EXPECT_EQ(resume.NextRequest(), original);
}

TEST(LogResume, ResumesFromTheEarliestStreamCursor) {
  LogsRequest original;
  original.follow = true;
  original.since = "15m";
  LogResume resume(original, 5);
  resume.NextRequest();
  EXPECT_EQ(resume.Accept(Line(100, "a", "a1")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(150, "b", "b1")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(200, "a", "a2")), Verdict::kPrint);
  EXPECT_EQ(resume.ResumeSince(), 150);
  EXPECT_EQ(resume.NextRequest().since, logs::FormatTime(150));
}

TEST(LogResume, DropsTheReplayUpToEachStreamsCursor) {
  LogResume resume({}, std::nullopt);
  resume.NextRequest();
  resume.Accept(Line(100, "a", "a1"));
  resume.Accept(Line(150, "b", "b1"));
  resume.Accept(Line(200, "a", "a2"));
  resume.NextRequest();  // since 150: the server replays b1 and a2
  EXPECT_EQ(resume.Accept(Line(150, "b", "b1")), Verdict::kSkip);
  EXPECT_EQ(resume.Accept(Line(200, "a", "a2")), Verdict::kSkip);
  EXPECT_EQ(resume.Accept(Line(210, "b", "b2")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(220, "a", "a3")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(230, "c", "c1")), Verdict::kPrint);  // a new instance
}

TEST(LogResume, LinesAtTheCutTimeAreKeptUnlessPrinted) {
  LogResume resume({}, std::nullopt);
  resume.NextRequest();
  resume.Accept(Line(100, "a", "x"));
  resume.Accept(Line(100, "a", "x"));  // the same message twice at the same time: both print
  resume.Accept(Line(100, "a", "y"));
  resume.NextRequest();
  // Replayed in another order, plus a third "x" and a "z" never printed.
  EXPECT_EQ(resume.Accept(Line(100, "a", "y")), Verdict::kSkip);
  EXPECT_EQ(resume.Accept(Line(100, "a", "z")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(100, "a", "x")), Verdict::kSkip);
  EXPECT_EQ(resume.Accept(Line(100, "a", "x")), Verdict::kSkip);
  EXPECT_EQ(resume.Accept(Line(100, "a", "x")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(101, "a", "y")), Verdict::kPrint);
}

TEST(LogResume, OutOfOrderLinesWithinAConnectionPrint) {
  LogResume resume({}, std::nullopt);
  resume.NextRequest();
  EXPECT_EQ(resume.Accept(Line(200, "a", "late")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(100, "a", "early")), Verdict::kPrint);
  EXPECT_EQ(resume.ResumeSince(), 200);  // the cursor does not move back
}

TEST(LogResume, StreamsAreInstanceAndContainer) {
  LogResume resume({}, std::nullopt);
  resume.NextRequest();
  resume.Accept(Line(100, "a", "m", "app"));
  resume.Accept(Line(300, "a", "m", "fetch"));
  resume.NextRequest();
  EXPECT_EQ(resume.Accept(Line(200, "a", "n", "app")), Verdict::kPrint);
  EXPECT_EQ(resume.Accept(Line(200, "a", "n", "fetch")), Verdict::kSkip);
}

TEST(LogResume, MissedLinesNoticesPrintButMoveNoCursor) {
  LogResume resume({}, std::nullopt);
  resume.NextRequest();
  resume.Accept(Line(100, "a", "a1"));
  EXPECT_TRUE(IsMissedLinesNotice(Missed(500, 3)));
  EXPECT_FALSE(IsMissedLinesNotice(Line(500, "", "missed 3 lines (reader too slow)")));
  EXPECT_EQ(resume.Accept(Missed(500, 3)), Verdict::kNotice);
  EXPECT_EQ(resume.ResumeSince(), 100);
  resume.NextRequest();
  EXPECT_EQ(resume.Accept(Missed(600, 2)), Verdict::kNotice);  // every connection's own
  EXPECT_EQ(resume.Accept(Line(100, "a", "a1")), Verdict::kSkip);
}

TEST(LogResume, PlatformEventsAreAStreamLikeAnyOther) {
  LogResume resume({}, std::nullopt);
  resume.NextRequest();
  logs::LogLine ready{100, "web", "v1", "web-1", "aether", "event", "ready"};
  EXPECT_EQ(resume.Accept(ready), Verdict::kPrint);
  resume.NextRequest();
  EXPECT_EQ(resume.Accept(ready), Verdict::kSkip);
}

// A server that holds `lines` (in time order) and answers each connection with the lines at or
// after its `since`, cut after a random number of them; the client must print each line once.
TEST(LogResume, RandomCutsNeitherRepeatNorLose) {
  for (unsigned seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    std::vector<logs::LogLine> all;
    int64_t t = 1000;
    for (int i = 0; i < 60; ++i) {
      t += static_cast<int64_t>(rng() % 3);  // ties across and within instances
      std::string instance = "i" + std::to_string(rng() % 3);
      std::string message = rng() % 4 == 0 ? "same" : "n" + std::to_string(i);
      all.push_back(Line(t, instance, message, rng() % 5 == 0 ? "fetch" : "app"));
    }
    LogResume resume({}, std::nullopt);
    std::vector<logs::LogLine> printed;
    for (int connection = 0; connection < 1000 && printed.size() < all.size(); ++connection) {
      LogsRequest req = resume.NextRequest();
      std::optional<int64_t> since;
      if (!req.since.empty()) since = logs::ParseTime(req.since);
      std::vector<logs::LogLine> served;
      for (const auto& l : all) {
        if (!since || l.time_ns >= *since) served.push_back(l);
      }
      if (rng() % 2 == 0) served.insert(served.begin(), Missed(t, 1));
      size_t cut = rng() % (served.size() + 1);
      for (size_t i = 0; i < cut; ++i) {
        if (resume.Accept(served[i]) == Verdict::kPrint) printed.push_back(served[i]);
      }
    }
    ASSERT_EQ(printed, all) << "seed " << seed;
  }
}

TEST(Backoff, DoublesUpToTheCapAndResets) {
  Backoff b;
  std::vector<milliseconds> got;
  for (int i = 0; i < 8; ++i) got.push_back(b.Next());
  EXPECT_EQ(got,
            (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400),
                                       milliseconds(800), milliseconds(1600), milliseconds(3200),
                                       milliseconds(5000), milliseconds(5000)}));
  b.Reset();
  EXPECT_EQ(b.Next(), milliseconds(100));
}

}  // namespace
}  // namespace aether::cli
