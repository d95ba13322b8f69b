// Tests of the local runtime's log source: instance file names, history with tail and filters,
// follow through the shared hub (live lines, new instances, rotation, many followers sharing
// one encoded line), and history meeting live lines without gap or repeat under a busy writer.
#include "aether/runtime/local/file_log_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "aether/logs/rotating_file.h"

namespace aether::local {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

TEST(InstanceFiles, NamesAndParsesInstanceLogFiles) {
  EXPECT_EQ(InstanceName("web", 3, 0), "web-v3-0");
  auto f = ParseInstanceFile("my-app", "my-app-v12-3.log");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->instance, "my-app-v12-3");
  EXPECT_EQ(f->release, "v12");
  for (const char* other :
       {"my-app-v12-3.log.1", "my-app-v12-3.agent.log", "my-app-v12-3.status.json",
        "my-app-v-3.log", "my-app-v1.log", "my-app-vx-1.log", "web-v1-0.log", "my-app-v1-0-1.log",
        "dep_1.0.stdout.log"}) {
    EXPECT_FALSE(ParseInstanceFile("my-app", other).has_value()) << other;
  }
}

class FileLogSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ("file-log-source-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "web");
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<logs::RotatingFile> Open(const std::string& instance,
                                           int64_t max_bytes = 1 << 20) {
    auto f =
        logs::RotatingFile::Open({(root_ / "web" / (instance + ".log")).string(), max_bytes, 3});
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return std::move(f).value();
  }

  // Everything the feed gives within `wait` (history first), until `n` lines came or the last
  // one is `last`.
  static std::vector<logs::LinePtr> Take(logs::Feed& feed, size_t n,
                                         milliseconds wait = milliseconds(5000),
                                         const std::string& last = "") {
    std::vector<logs::LinePtr> out;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (out.size() < n && std::chrono::steady_clock::now() < deadline &&
           (last.empty() || out.empty() || out.back()->line.message != last)) {
      uint64_t missed = 0;
      if (!feed.Next(&out, &missed, milliseconds(20))) break;
      EXPECT_EQ(missed, 0u);
    }
    return out;
  }
  static std::vector<std::string> Messages(const std::vector<logs::LinePtr>& lines) {
    std::vector<std::string> out;
    for (const auto& l : lines) out.push_back(l->line.message);
    return out;
  }

  fs::path root_;
};

TEST_F(FileLogSourceTest, HistoryCarriesInstanceReleaseAndContainer) {
  auto a = Open("web-v1-0");
  auto b = Open("web-v2-0");
  ASSERT_TRUE(a->Write(100, "event", "started process 7 (node server.js)").ok());
  ASSERT_TRUE(a->Write(200, "stdout", "listening").ok());
  ASSERT_TRUE(b->Write(300, "stderr", "warning").ok());
  FileLogSource source(root_.string());
  auto feed = std::make_shared<logs::Feed>(1);
  ASSERT_TRUE(source.Attach("web", {}, feed).ok());
  std::vector<logs::LinePtr> lines = Take(*feed, 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]->line, (logs::LogLine{100, "web", "v1", "web-v1-0", "aether", "event",
                                           "started process 7 (node server.js)"}));
  EXPECT_EQ(lines[1]->line,
            (logs::LogLine{200, "web", "v1", "web-v1-0", "app", "stdout", "listening"}));
  EXPECT_EQ(lines[2]->line,
            (logs::LogLine{300, "web", "v2", "web-v2-0", "app", "stderr", "warning"}));
  std::vector<logs::LinePtr> none;
  uint64_t missed = 0;
  EXPECT_FALSE(feed->Next(&none, &missed, milliseconds(10))) << "without follow it ends";

  EXPECT_FALSE(source.Attach("../etc", {}, std::make_shared<logs::Feed>(1)).ok());
  auto empty = std::make_shared<logs::Feed>(1);
  ASSERT_TRUE(source.Attach("nothing", {}, empty).ok());
  EXPECT_TRUE(Take(*empty, 1, milliseconds(100)).empty());
}

TEST_F(FileLogSourceTest, TailIsPerInstanceAndContainerAndFiltersApply) {
  auto a = Open("web-v1-0");
  auto b = Open("web-v1-1");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(a->Write(100 + i * 2, "stdout", "a" + std::to_string(i)).ok());
    ASSERT_TRUE(b->Write(101 + i * 2, "stdout", "b" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(a->Write(50, "event", "early event").ok());
  FileLogSource source(root_.string());
  logs::LogQuery q;
  q.tail_lines = 2;
  auto feed = std::make_shared<logs::Feed>(1);
  ASSERT_TRUE(source.Attach("web", q, feed).ok());
  EXPECT_EQ(Messages(Take(*feed, 5)),
            (std::vector<std::string>{"early event", "a8", "b8", "a9", "b9"}));

  q.container = "aether";
  feed = std::make_shared<logs::Feed>(1);
  ASSERT_TRUE(source.Attach("web", q, feed).ok());
  EXPECT_EQ(Messages(Take(*feed, 5, milliseconds(200))), std::vector<std::string>{"early event"});

  logs::LogQuery r;
  r.release = "v2";
  feed = std::make_shared<logs::Feed>(1);
  ASSERT_TRUE(source.Attach("web", r, feed).ok());
  EXPECT_TRUE(Take(*feed, 1, milliseconds(200)).empty());
}

TEST_F(FileLogSourceTest, FollowsLiveLinesNewInstancesAndRotation) {
  const int64_t small = 2000;  // rotates every ~25 lines
  auto a = Open("web-v1-0", small);
  ASSERT_TRUE(a->Write(logs::NowNs(), "stdout", "before").ok());
  FileLogSource source(root_.string(), milliseconds(50));
  logs::LogQuery q;
  q.follow = true;
  auto feed = std::make_shared<logs::Feed>(1);
  auto att = source.Attach("web", q, feed);
  ASSERT_TRUE(att.ok());
  EXPECT_EQ(Messages(Take(*feed, 1)), std::vector<std::string>{"before"});

  ASSERT_TRUE(a->Write(logs::NowNs(), "stdout", "live").ok());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Messages(Take(*feed, 1)), std::vector<std::string>{"live"});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(500));

  auto b = Open("web-v2-0", small);  // a new release's instance
  ASSERT_TRUE(b->Write(logs::NowNs(), "stderr", "new instance").ok());
  std::vector<logs::LinePtr> got = Take(*feed, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->line.instance, "web-v2-0");
  EXPECT_EQ(got[0]->line.release, "v2");

  std::vector<std::string> want;
  for (int i = 0; i < 200; ++i) {
    want.push_back("line " + std::to_string(i));
    ASSERT_TRUE(a->Write(logs::NowNs(), "stdout", want.back()).ok());
    if (i % 10 == 0) std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(fs::exists(root_ / "web" / "web-v1-0.log.2"));
  EXPECT_EQ(Messages(Take(*feed, want.size())), want);

  t0 = std::chrono::steady_clock::now();
  att->reset();  // detaching the last follower stops the hub promptly
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(500));
}

// One thread fans out to every follower: each gets the same shared line.
TEST_F(FileLogSourceTest, FollowersShareOneEncodedLine) {
  auto a = Open("web-v1-0");
  FileLogSource source(root_.string());
  logs::LogQuery q;
  q.follow = true;
  logs::LogQuery only_events = q;
  only_events.container = "aether";
  std::vector<std::shared_ptr<logs::Feed>> feeds;
  std::vector<std::unique_ptr<logs::Attachment>> atts;
  for (int i = 0; i < 20; ++i) {
    feeds.push_back(std::make_shared<logs::Feed>(1));
    auto att = source.Attach("web", i == 19 ? only_events : q, feeds.back());
    ASSERT_TRUE(att.ok());
    atts.push_back(std::move(att).value());
  }
  ASSERT_TRUE(a->Write(logs::NowNs(), "stdout", "to everyone").ok());
  ASSERT_TRUE(a->Write(logs::NowNs(), "event", "restarting").ok());
  std::vector<logs::LinePtr> first = Take(*feeds[0], 2);
  ASSERT_EQ(first.size(), 2u);
  for (int i = 1; i < 19; ++i) {
    std::vector<logs::LinePtr> got = Take(*feeds[i], 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].get(), first[0].get()) << "encoded once, shared";
  }
  EXPECT_EQ(Messages(Take(*feeds[19], 1)), std::vector<std::string>{"restarting"});
  atts.clear();
}

// Followers attaching while a writer runs (and rotates) see every line once, in order.
TEST_F(FileLogSourceTest, HistoryMeetsLiveLinesWithoutGapOrRepeat) {
  auto a = Open("web-v1-0", 20000);
  FileLogSource source(root_.string(), milliseconds(20));
  logs::LogQuery q;
  q.follow = true;
  // A first follower keeps the hub running while the others attach.
  auto keep_feed = std::make_shared<logs::Feed>(1, 100000);
  auto keep = source.Attach("web", q, keep_feed);
  ASSERT_TRUE(keep.ok());
  constexpr int kLines = 3000;
  std::atomic<bool> ok{true};
  std::thread writer([&] {
    for (int i = 0; i < kLines; ++i) {
      ok = ok && a->Write(logs::NowNs(), "stdout", "n" + std::to_string(i)).ok();
      if (i % 50 == 0) std::this_thread::sleep_for(milliseconds(1));
    }
  });
  std::vector<std::shared_ptr<logs::Feed>> feeds;
  std::vector<std::unique_ptr<logs::Attachment>> atts;
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(milliseconds(8));
    feeds.push_back(std::make_shared<logs::Feed>(1, 100000));
    auto att = source.Attach("web", q, feeds.back());
    ASSERT_TRUE(att.ok());
    atts.push_back(std::move(att).value());
  }
  writer.join();
  ASSERT_TRUE(ok);
  // History goes back three rotations only: each follower sees a suffix of the lines that
  // reaches the last one, with nothing missing or repeated.
  for (auto& feed : feeds) {
    std::vector<std::string> got =
        Messages(Take(*feed, kLines, milliseconds(5000), "n" + std::to_string(kLines - 1)));
    ASSERT_FALSE(got.empty());
    int first = std::stoi(got[0].substr(1));
    ASSERT_EQ(got.size(), static_cast<size_t>(kLines - first)) << "from n" << first;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i], "n" + std::to_string(first + static_cast<int>(i)));
    }
  }
}

}  // namespace
}  // namespace aether::local
