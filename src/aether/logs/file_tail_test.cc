// Tests of reading rotated CRI log files: history across path.N … path, the follower's
// tail -F behaviour (rotation and truncation while following: no loss, no repeat), P/F joining,
// partial lines held back, and history up to a follower's position meeting its live lines.
#include "aether/logs/file_tail.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "aether/logs/cri.h"
#include "aether/logs/rotating_file.h"

namespace aether::logs {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Messages(const std::vector<FileRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.message);
  return out;
}

std::vector<std::string> Numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("line " + std::to_string(i));
  return out;
}

class FileTailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("file-tail-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "web-v1-0.log").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<RotatingFile> Open(int64_t max_bytes = 1 << 20, int keep = 3) {
    auto f = RotatingFile::Open({path_, max_bytes, keep});
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return std::move(f).value();
  }
  static void WriteLines(RotatingFile& f, int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_TRUE(f.Write(1000 + i, "stdout", "line " + std::to_string(i)).ok());
    }
  }
  void Append(const std::string& bytes) {
    std::ofstream(path_, std::ios::app | std::ios::binary) << bytes;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(FileTailTest, HistoryReadsRotatedFilesOldestFirst) {
  auto f = Open(FormatCri(1000, "stdout", "line 0").size() * 5, 5);
  WriteLines(*f, 0, 23);
  ASSERT_TRUE(fs::exists(path_ + ".4"));
  std::vector<FileRecord> history = ReadLogHistory(path_);
  EXPECT_EQ(Messages(history), Numbered(0, 23));
  EXPECT_EQ(history[3].time_ns, 1003);
  EXPECT_EQ(history[3].stream, "stdout");
  EXPECT_TRUE(ReadLogHistory((dir_ / "missing.log").string()).empty());
}

TEST_F(FileTailTest, HistoryJoinsPartsSkipsMalformedAndLeavesOutAnUnfinishedLine) {
  Append(FormatCri(1, "stdout", "hel", true));
  Append(FormatCri(2, "stderr", "interleaved"));
  Append(FormatCri(3, "stdout", "lo"));
  Append("garbage\n");
  Append(FormatCri(4, "event", "started process 7 (node)"));
  Append("2026-01-01T00:00:00Z stdout F unfinis");
  std::vector<FileRecord> history = ReadLogHistory(path_);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0], (FileRecord{2, "stderr", "interleaved"}));
  EXPECT_EQ(history[1], (FileRecord{1, "stdout", "hello"}));
  EXPECT_EQ(history[2], (FileRecord{4, "event", "started process 7 (node)"}));
}

TEST_F(FileTailTest, FollowerReadsOnlyCompleteLines) {
  Append(FormatCri(1, "stdout", "old"));
  FileFollower follower(path_, FileFollower::Start::kEnd);
  EXPECT_TRUE(follower.Poll().empty());
  std::string rec = FormatCri(2, "stdout", "new");
  Append(rec.substr(0, 10));
  EXPECT_TRUE(follower.Poll().empty());
  Append(rec.substr(10));
  EXPECT_EQ(Messages(follower.Poll()), std::vector<std::string>{"new"});
  EXPECT_TRUE(follower.Poll().empty());

  FileFollower from_start(path_, FileFollower::Start::kBeginning);
  EXPECT_EQ(Messages(from_start.Poll()), (std::vector<std::string>{"old", "new"}));
}

TEST_F(FileTailTest, FollowerStartingAtTheEndReadsAHalfWrittenLineWhole) {
  std::string rec = FormatCri(2, "stdout", "half");
  Append(FormatCri(1, "stdout", "old") + rec.substr(0, 12));
  FileFollower follower(path_, FileFollower::Start::kEnd);
  Append(rec.substr(12));
  EXPECT_EQ(Messages(follower.Poll()), std::vector<std::string>{"half"});
}

TEST_F(FileTailTest, FollowerSurvivesRotationWithoutLossOrRepeat) {
  const size_t record = FormatCri(1000, "stdout", "line 00").size();
  auto f = Open(static_cast<int64_t>(record * 10), 3);
  WriteLines(*f, 0, 5);
  FileFollower follower(path_, FileFollower::Start::kEnd);
  std::vector<std::string> got;
  auto poll = [&] {
    for (auto& m : Messages(follower.Poll())) got.push_back(m);
  };
  // Writes between polls cross one rotation (10 records per file), then several at once.
  WriteLines(*f, 5, 13);
  poll();
  WriteLines(*f, 13, 17);
  poll();
  WriteLines(*f, 17, 30);  // rotates twice before the next poll: .1 is read by nobody
  poll();
  WriteLines(*f, 30, 33);
  poll();
  std::vector<std::string> want = Numbered(5, 33);
  // Two rotations between polls lose the file in the middle (tail -F does too); the first
  // rotation's file and everything after the last are read exactly once.
  std::vector<std::string> expected;
  for (const std::string& m : want) {
    if (std::find(got.begin(), got.end(), m) != got.end()) expected.push_back(m);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(std::vector<std::string>(got.begin(), got.begin() + 12), Numbered(5, 17));
  EXPECT_EQ(got.back(), "line 32");
}

TEST_F(FileTailTest, FollowerReadsEveryLineWhenPolledOncePerRotation) {
  const size_t record = FormatCri(1000, "stdout", "line 00").size();
  auto f = Open(static_cast<int64_t>(record * 10), 3);
  FileFollower follower(path_, FileFollower::Start::kEnd);
  std::vector<std::string> got;
  for (int i = 10; i < 90; i += 7) {
    WriteLines(*f, i, i + 7);
    for (auto& m : Messages(follower.Poll())) got.push_back(m);
  }
  EXPECT_EQ(got, Numbered(10, 94));
}

TEST_F(FileTailTest, FollowerStartsOverAfterTruncation) {
  Append(FormatCri(1, "stdout", "one") + FormatCri(2, "stdout", "two"));
  FileFollower follower(path_, FileFollower::Start::kBeginning);
  EXPECT_EQ(follower.Poll().size(), 2u);
  fs::resize_file(path_, 0);
  Append(FormatCri(3, "stdout", "3"));
  EXPECT_EQ(Messages(follower.Poll()), std::vector<std::string>{"3"});
}

TEST_F(FileTailTest, FollowerOfAMissingFileReadsItFromItsBeginning) {
  FileFollower follower(path_, FileFollower::Start::kEnd);
  EXPECT_EQ(follower.position(), TailPosition{});
  EXPECT_TRUE(follower.Poll().empty());
  Append(FormatCri(1, "stdout", "first"));
  EXPECT_EQ(Messages(follower.Poll()), std::vector<std::string>{"first"});
}

TEST_F(FileTailTest, FollowerJoinsLongLines) {
  auto f = Open();
  std::string big(kMaxRecordMessage * 3 + 1, 'q');
  FileFollower follower(path_, FileFollower::Start::kEnd);
  ASSERT_TRUE(f->Write(7, "stderr", big).ok());
  std::vector<FileRecord> got = follower.Poll();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message, big);
  EXPECT_EQ(got[0].stream, "stderr");
}

// The hub's contract: history up to position() plus the following polls give every record
// once, whatever rotations happen in between.
TEST_F(FileTailTest, HistoryUpToPositionMeetsTheFollower) {
  const size_t record = FormatCri(1000, "stdout", "line 00").size();
  auto f = Open(static_cast<int64_t>(record * 10), 5);
  WriteLines(*f, 0, 15);
  FileFollower follower(path_, FileFollower::Start::kEnd);
  WriteLines(*f, 15, 18);
  std::vector<std::string> live = Messages(follower.Poll());  // delivered to earlier readers
  EXPECT_EQ(live, Numbered(15, 18));
  TailPosition at = follower.position();
  WriteLines(*f, 18, 27);  // rotates before the history is read
  std::vector<std::string> got = Messages(ReadLogHistory(path_, at));
  for (auto& m : Messages(follower.Poll())) got.push_back(m);
  EXPECT_EQ(got, Numbered(0, 27));

  EXPECT_TRUE(ReadLogHistory(path_, TailPosition{}).empty());
}

TEST_F(FileTailTest, BackwardReadingStopsWhereAskedAndMatchesForwardReading) {
  auto f = Open(4000, 3);  // small files: the lines span several rotations
  WriteLines(*f, 0, 300);
  f.reset();
  Append(FormatCri(99999, "stdout", "unfinished").substr(0, 20));  // a writer mid-line
  std::vector<FileRecord> all = ReadLogHistory(path_);
  ASSERT_GT(all.size(), 50u);
  auto never = [](const FileRecord&) { return false; };
  EXPECT_EQ(ReadLogHistoryBackward(path_, std::nullopt, never), all);
  int seen = 0;
  auto last10 =
      ReadLogHistoryBackward(path_, std::nullopt, [&](const FileRecord&) { return ++seen >= 10; });
  EXPECT_EQ(Messages(last10), Numbered(290, 300));
  auto since = ReadLogHistoryBackward(path_, std::nullopt,
                                      [](const FileRecord& r) { return r.time_ns < 1000 + 280; });
  EXPECT_EQ(Messages(since).front(), "line 279");  // the first older line ends the reading
  EXPECT_EQ(Messages(since).back(), "line 299");
}

TEST_F(FileTailTest, BackwardReadingJoinsLongLinesAcrossBlocks) {
  auto f = Open(int64_t{16} << 20, 3);
  const std::string long_line(200 * 1024, 'x');  // several 64 KiB blocks, P records
  ASSERT_TRUE(f->Write(1, "stdout", "before").ok());
  ASSERT_TRUE(f->Write(2, "stdout", long_line).ok());
  ASSERT_TRUE(f->Write(3, "stderr", "after").ok());
  f.reset();
  auto never = [](const FileRecord&) { return false; };
  auto records = ReadLogHistoryBackward(path_, std::nullopt, never);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].message, long_line);
  EXPECT_EQ(records, ReadLogHistory(path_));
}

}  // namespace
}  // namespace aether::logs
