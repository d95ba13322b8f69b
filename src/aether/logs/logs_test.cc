// Unit tests of the logs core: time format, query parsing, Feed, history selection, EventLog.
#include <gtest/gtest.h>

#include <thread>

#include "aether/logs/cri.h"
#include "aether/logs/feed.h"
#include "aether/logs/log_line.h"
#include "aether/logs/log_query.h"
#include "aether/logs/log_source.h"

namespace aether::logs {
namespace {

using std::chrono::milliseconds;

LinePtr At(int64_t t, std::string instance, std::string message, std::string container = "app") {
  return Share(
      {t, "web", "v1", std::move(instance), std::move(container), "stdout", std::move(message)});
}

TEST(LogTime, FormatsNanosecondsAndParsesBack) {
  const int64_t t = 1764381176123456789LL;  // 2025-11-29T01:52:56.123456789Z
  EXPECT_EQ(FormatTime(t), "2025-11-29T01:52:56.123456789Z");
  EXPECT_EQ(ParseTime("2025-11-29T01:52:56.123456789Z"), t);
  EXPECT_EQ(ParseTime("2025-11-29T01:52:56Z"), t - 123456789);
  EXPECT_EQ(ParseTime("2025-11-29T03:52:56.123456789+02:00"), t);
  EXPECT_EQ(ParseTime("2025-11-29T01:52:56.5Z"), t - 123456789 + 500000000);
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000000000Z");
  for (const char* bad : {"", "banana", "2025-11-29", "2025-13-01T00:00:00Z", "2025-11-29T01:52:56",
                          "2025-11-29T01:52:56.Z", "2025-11-29T01:52:56Zx"}) {
    EXPECT_FALSE(ParseTime(bad)) << bad;
  }
}

TEST(LogLine, NdjsonRoundTripsWithStableKeys) {
  LogLine line{1764381176000000001LL, "web", "v3", "web-v3-0", "app", "stderr",
               "boom \"quoted\"\ttab"};
  std::string text = ToNdjson(line);
  EXPECT_EQ(text,
            "{\"time\":\"2025-11-29T01:52:56.000000001Z\",\"app\":\"web\",\"release\":\"v3\","
            "\"instance\":\"web-v3-0\",\"container\":\"app\",\"stream\":\"stderr\","
            "\"message\":\"boom \\\"quoted\\\"\\ttab\"}\n");
  auto back = FromNdjson(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, line);
  EXPECT_FALSE(FromNdjson("{\"time\":1}").ok());
  EXPECT_FALSE(FromNdjson("not json").ok());
  EXPECT_EQ(ToText(line, false), "web-v3-0/app boom \"quoted\"\ttab\n");
  EXPECT_EQ(ToText(line, true).substr(0, 31), "2025-11-29T01:52:56.000000001Z ");
}

TEST(LogQuery, ParsesEveryParameter) {
  const int64_t now = 1764381176000000000LL;
  auto q = ParseLogQuery({{"follow", "1"},
                          {"tail_lines", "20"},
                          {"since", "15m"},
                          {"container", "app"},
                          {"release", "3"},
                          {"format", "text"}},
                         now);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_TRUE(q->follow);
  EXPECT_EQ(q->tail_lines, 20);
  EXPECT_EQ(q->since_ns, now - 15LL * 60 * 1000000000);
  EXPECT_EQ(q->release, "v3");
  EXPECT_EQ(q->format, "text");
  auto t = ParseLogQuery({{"since", "2025-11-29T01:00:00Z"}}, now);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->since_ns, ParseTime("2025-11-29T01:00:00Z"));
  EXPECT_EQ(ParseDuration("1h30m"), 5400LL * 1000000000);
  EXPECT_EQ(ParseDuration("500ms"), 500LL * 1000000);
}

TEST(LogQuery, RejectsBadInputNamingTheParameter) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{{"since", "banana"},
                                                                             {"since", "-5m"},
                                                                             {"since", "15"},
                                                                             {"tail_lines", "-1"},
                                                                             {"tail_lines", "ten"},
                                                                             {"follow", "maybe"},
                                                                             {"format", "xml"},
                                                                             {"release", "latest"},
                                                                             {"colour", "red"}}) {
    auto q = ParseLogQuery({{name, value}}, 0);
    ASSERT_FALSE(q.ok()) << name << "=" << value;
    EXPECT_EQ(q.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(q.status().message().find(name), std::string::npos) << q.status().message();
  }
}

TEST(LogQuery, MatchesContainerReleaseAndSince) {
  LogQuery q;
  q.container = "app";
  q.release = "v1";
  q.since_ns = 10;
  EXPECT_TRUE(q.Matches(At(10, "a", "x")->line));
  EXPECT_FALSE(q.Matches(At(9, "a", "x")->line));
  EXPECT_FALSE(q.Matches(At(10, "a", "x", "aether")->line));
}

TEST(SelectHistory, TailsEachInstanceAndContainer) {
  std::vector<LinePtr> lines;
  for (int i = 0; i < 10; ++i) {
    lines.push_back(At(i * 2, "a", "a" + std::to_string(i)));
    lines.push_back(At(i * 2 + 1, "b", "b" + std::to_string(i)));
  }
  lines.push_back(At(30, "a", "event", "aether"));
  LogQuery q;
  q.tail_lines = 2;
  auto out = SelectHistory(lines, q);
  std::vector<std::string> got;
  for (const auto& l : out) got.push_back(l->line.message);
  EXPECT_EQ(got, (std::vector<std::string>{"a8", "b8", "a9", "b9", "event"}));
  q.tail_lines = 0;
  EXPECT_TRUE(SelectHistory(lines, q).empty());
}

TEST(Feed, MergesHistoryOfEverySourceThenLive) {
  Feed feed(2);
  feed.PushHistory({At(3, "a", "3"), At(1, "a", "1")});
  feed.EndHistory();
  EXPECT_TRUE(feed.Push(At(10, "a", "live")));
  std::vector<LinePtr> out;
  uint64_t missed = 0;
  EXPECT_TRUE(feed.Next(&out, &missed, milliseconds(1)));
  EXPECT_TRUE(out.empty());  // the second source's history is still pending
  feed.PushHistory({At(2, "b", "2")});
  feed.EndHistory();
  EXPECT_TRUE(feed.Next(&out, &missed, milliseconds(1)));
  std::vector<std::string> got;
  for (const auto& l : out) got.push_back(l->line.message);
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "3", "live"}));
  feed.Finish();
  feed.Finish();
  out.clear();
  EXPECT_FALSE(feed.Next(&out, &missed, milliseconds(1)));
}

TEST(Feed, CountsWhatASlowReaderMissedWithoutBlockingTheSource) {
  Feed feed(1, 4);
  feed.EndHistory();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(feed.Push(At(i, "a", std::to_string(i))));
  std::vector<LinePtr> out;
  uint64_t missed = 0;
  EXPECT_TRUE(feed.Next(&out, &missed, milliseconds(1)));
  EXPECT_EQ(out.size(), 4u);
  EXPECT_EQ(missed, 6u);
  EXPECT_EQ(out.back()->line.message, "3");
  feed.Close();
  EXPECT_FALSE(feed.Push(At(11, "a", "late")));
  EXPECT_FALSE(feed.Next(&out, &missed, milliseconds(1)));
}

TEST(Feed, PushManyKeepsWhatFitsAndCountsTheRest) {
  Feed feed(1, 3);
  feed.EndHistory();
  EXPECT_TRUE(feed.PushMany({At(1, "a", "1"), At(2, "a", "2"), At(3, "a", "3"), At(4, "a", "4")}));
  std::vector<LinePtr> out;
  uint64_t missed = 0;
  EXPECT_TRUE(feed.Next(&out, &missed, milliseconds(1)));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(missed, 1u);
}

TEST(Feed, NextWakesWhenALineArrives) {
  Feed feed(1);
  feed.EndHistory();
  std::vector<LinePtr> out;
  uint64_t missed = 0;
  feed.Next(&out, &missed, milliseconds(1));  // takes the empty history
  std::thread pusher([&] {
    std::this_thread::sleep_for(milliseconds(20));
    feed.Push(At(1, "a", "x"));
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(feed.Next(&out, &missed, milliseconds(5000)));
  pusher.join();
  EXPECT_EQ(out.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
}

TEST(EventLog, ServesHistoryAndFollowsUntilDetached) {
  EventLog events(100);
  events.Record("web", "v1", "", "fetch 12 ms");
  events.Record("other", "v1", "", "ready");
  LogQuery q;
  q.follow = true;
  auto feed = std::make_shared<Feed>(1);
  auto attached = events.Attach("web", q, feed);
  ASSERT_TRUE(attached.ok());
  events.Record("web", "v1", "web-v1-0", "ready");
  std::vector<LinePtr> out;
  uint64_t missed = 0;
  ASSERT_TRUE(feed->Next(&out, &missed, milliseconds(100)));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]->line.message, "fetch 12 ms");
  EXPECT_EQ(out[0]->line.container, "aether");
  EXPECT_EQ(out[0]->line.stream, "event");
  EXPECT_EQ(out[1]->line.instance, "web-v1-0");
  attached->reset();
  events.Record("web", "v1", "", "after detach");
  out.clear();
  feed->Next(&out, &missed, milliseconds(1));
  EXPECT_TRUE(out.empty());
}

TEST(Cri, FormatsAndParses) {
  std::string line = FormatCri(1764381176000000001LL, "stderr", "hello world");
  EXPECT_EQ(line, "2025-11-29T01:52:56.000000001Z stderr F hello world\n");
  auto r = ParseCri(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->time_ns, 1764381176000000001LL);
  EXPECT_EQ(r->stream, "stderr");
  EXPECT_FALSE(r->partial);
  EXPECT_EQ(r->message, "hello world");
  auto empty = ParseCri("2025-11-29T01:52:56.000000001Z stdout P");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->partial);
  EXPECT_EQ(empty->message, "");
  EXPECT_FALSE(ParseCri("garbage"));
  EXPECT_FALSE(ParseCri("2025-11-29T01:52:56Z stdout X msg"));
}

}  // namespace
}  // namespace aether::logs
