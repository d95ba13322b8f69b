// Tests of RotatingFile: CRI records appended, one write per flush, size rotation keeping
// `keep` old files, long lines split into P records and a final F.
#include "aether/logs/rotating_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "aether/logs/cri.h"

namespace aether::logs {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class RotatingFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("rotating-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(RotatingFileTest, AppendsCriRecordsWithMode0640) {
  std::string path = (dir_ / "a.log").string();
  auto file = RotatingFile::Open({path, 1 << 20, 3});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Write(1'000'000'000, "stdout", "hello").ok());
  ASSERT_TRUE((*file)->Add(2'000'000'000, "stderr", "oops").ok());
  EXPECT_EQ(ReadAll(path).size(), FormatCri(1'000'000'000, "stdout", "hello").size());
  ASSERT_TRUE((*file)->Flush().ok());
  EXPECT_EQ(ReadAll(path), FormatCri(1'000'000'000, "stdout", "hello") +
                               FormatCri(2'000'000'000, "stderr", "oops"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  // Reopening appends.
  file->reset();
  auto again = RotatingFile::Open({path, 1 << 20, 3});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->size(), static_cast<int64_t>(ReadAll(path).size()));
  ASSERT_TRUE((*again)->Write(3'000'000'000, "event", "started").ok());
  EXPECT_EQ(Lines(ReadAll(path)).size(), 3u);
}

TEST_F(RotatingFileTest, RotatesBySizeAndKeepsTheNewestFiles) {
  std::string path = (dir_ / "a.log").string();
  const int64_t record = static_cast<int64_t>(FormatCri(0, "stdout", "line 00").size());
  auto file = RotatingFile::Open({path, record * 4, 2});
  ASSERT_TRUE(file.ok());
  for (int i = 0; i < 20; ++i) {
    std::string msg = "line " + std::string(i < 10 ? "0" : "") + std::to_string(i);
    ASSERT_TRUE((*file)->Write(0, "stdout", msg).ok());
  }
  // 20 records, 4 per file: a.log.2 has 8-11, a.log.1 12-15, a.log 16-19; older ones are gone.
  EXPECT_FALSE(fs::exists(path + ".3"));
  auto first = [](const std::string& p) { return ParseCri(Lines(ReadAll(p)).at(0))->message; };
  EXPECT_EQ(Lines(ReadAll(path)).size(), 4u);
  EXPECT_EQ(std::string(first(path)), "line 16");
  EXPECT_EQ(std::string(first(path + ".1")), "line 12");
  EXPECT_EQ(std::string(first(path + ".2")), "line 08");
  for (const std::string& p : {path, path + ".1", path + ".2"}) {
    EXPECT_LE(static_cast<int64_t>(ReadAll(p).size()), record * 4) << p;
  }
}

TEST_F(RotatingFileTest, KeepZeroTruncates) {
  std::string path = (dir_ / "a.log").string();
  auto file = RotatingFile::Open({path, 100, 0});
  ASSERT_TRUE(file.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*file)->Write(0, "stdout", "0123456789").ok());
  EXPECT_FALSE(fs::exists(path + ".1"));
  EXPECT_LE(ReadAll(path).size(), 100u);
  EXPECT_FALSE(ReadAll(path).empty());
}

TEST_F(RotatingFileTest, SplitsLongLinesIntoPartialRecords) {
  std::string path = (dir_ / "a.log").string();
  auto file = RotatingFile::Open({path, 1 << 20, 3});
  ASSERT_TRUE(file.ok());
  std::string big(kMaxRecordMessage * 2 + 10, 'x');
  big[0] = 'a';
  big.back() = 'z';
  ASSERT_TRUE((*file)->Write(5, "stdout", big).ok());
  std::vector<std::string> lines = Lines(ReadAll(path));
  ASSERT_EQ(lines.size(), 3u);
  std::string joined;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto r = ParseCri(lines[i]);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->partial, i + 1 < lines.size()) << i;
    EXPECT_EQ(r->stream, "stdout");
    EXPECT_LE(r->message.size(), kMaxRecordMessage);
    joined += r->message;
  }
  EXPECT_EQ(joined, big);
}

TEST_F(RotatingFileTest, KeepsALongLinesRecordsInOneFile) {
  std::string path = (dir_ / "a.log").string();
  auto file = RotatingFile::Open({path, static_cast<int64_t>(kMaxRecordMessage) * 3, 3});
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Write(1, "stdout", std::string(kMaxRecordMessage, 'a')).ok());
  ASSERT_TRUE((*file)->Write(2, "stdout", std::string(kMaxRecordMessage * 2, 'b')).ok());
  // The second line's two records did not fit beside the first: both went to the new file.
  EXPECT_EQ(Lines(ReadAll(path + ".1")).size(), 1u);
  std::vector<std::string> lines = Lines(ReadAll(path));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(ParseCri(lines[0])->partial);
  EXPECT_FALSE(ParseCri(lines[1])->partial);
}

}  // namespace
}  // namespace aether::logs
