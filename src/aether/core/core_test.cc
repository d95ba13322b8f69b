// Unit tests for Status/Result, Digest and name rules.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "aether/core/digest.h"
#include "aether/core/files.h"
#include "aether/core/names.h"
#include "aether/core/periodic.h"
#include "aether/core/status.h"

namespace aether {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  AETHER_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = NotFound("app 'x' does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.ToString(), "not_found: app 'x' does not exist");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Quarter(3).status().message(), "odd");
}

TEST(Digest, ParsesAndNormalises) {
  std::string hex(64, 'A');
  auto d = Digest::Parse("sha256:" + hex);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->hex(), std::string(64, 'a'));
  EXPECT_FALSE(Digest::Parse("sha256:abc").ok());
  EXPECT_FALSE(Digest::Parse("md5:" + hex).ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(63, 'a') + "g").ok());
  EXPECT_FALSE(Digest::Parse("sha256:../../" + std::string(58, 'a')).ok());
}

TEST(Names, ValidatesAppNames) {
  EXPECT_TRUE(ValidateAppName("sample-node").ok());
  EXPECT_TRUE(ValidateAppName("a1").ok());
  EXPECT_FALSE(ValidateAppName("").ok());
  EXPECT_FALSE(ValidateAppName("1abc").ok());
  EXPECT_FALSE(ValidateAppName("abc-").ok());
  EXPECT_FALSE(ValidateAppName("Abc").ok());
  EXPECT_FALSE(ValidateAppName("a/b").ok());
  EXPECT_FALSE(ValidateAppName(std::string(64, 'a')).ok());
}

TEST(Names, SanitizesPackageNames) {
  EXPECT_EQ(SanitizeAppName("@acme/My_App"), "my-app");
  EXPECT_EQ(SanitizeAppName("express-app"), "express-app");
  EXPECT_EQ(SanitizeAppName("123"), "");
}

TEST(Names, IdsAreUniqueAndPrefixed) {
  auto a = NewId("dep");
  auto b = NewId("dep");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 4), "dep_");
  EXPECT_EQ(a.size(), 20u);
}

TEST(Names, FormatsRfc3339) {
  auto now = NowRfc3339();
  EXPECT_EQ(now.size(), 24u);
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_EQ(now[10], 'T');
}

TEST(Names, ParsesReleaseVersions) {
  EXPECT_EQ(*ParseReleaseVersion("3"), 3);
  EXPECT_EQ(*ParseReleaseVersion("v12"), 12);
  EXPECT_EQ(Rfc3339FromUnixMillis(1'000), "1970-01-01T00:00:01.000Z");
  for (const char* bad : {"", "v", "0", "v-1", "3a", "x3", "99999999999999999999"}) {
    EXPECT_EQ(ParseReleaseVersion(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Names, ParsesByteSizes) {
  EXPECT_EQ(*ParseByteSize("0"), 0);
  EXPECT_EQ(*ParseByteSize("1536"), 1536);
  EXPECT_EQ(*ParseByteSize("64M"), 64LL << 20);
  EXPECT_EQ(*ParseByteSize("2T"), 2LL << 40);
  for (const char* bad : {"", "M", "-1", "1.5G", "12Q", "99999999999T"}) {
    EXPECT_EQ(ParseByteSize(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Periodic, RunsUntilStoppedAndStopsPromptly) {
  std::atomic<int> runs{0};
  auto begin = std::chrono::steady_clock::now();
  {
    Periodic p(std::chrono::milliseconds(5), [&runs] { ++runs; });
    while (runs < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  int after = runs;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(runs, after) << "no run after destruction";
  Periodic slow(std::chrono::hours(1), [&runs] { ++runs; });
  slow.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));
}

TEST(Files, WriteFileAtomicReplacesWithTheGivenMode) {
  std::string path = ::testing::TempDir() + "/atomic-" + std::to_string(getpid());
  ASSERT_TRUE(WriteFileAtomic(path, "first", 0644).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "secret\n", 0600).ok());
  EXPECT_EQ(*ReadFile(path), "secret\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  unlink(path.c_str());
  EXPECT_EQ(ReadFile(path).status().code(), ErrorCode::kNotFound);
  Status bad = WriteFileAtomic("/nonexistent-dir/x", "y", 0600);
  EXPECT_EQ(bad.code(), ErrorCode::kInternal);
  EXPECT_NE(bad.message().find("/nonexistent-dir/x"), std::string::npos);
}

}  // namespace
}  // namespace aether
