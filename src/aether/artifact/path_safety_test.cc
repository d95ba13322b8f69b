// Unit tests for path_safety.h: entry path normalisation and the symlink-target rule.
#include "aether/artifact/path_safety.h"

#include <gtest/gtest.h>

namespace aether::artifact::internal {
namespace {

TEST(PathSafetyTest, CleanEntryPath) {
  EXPECT_EQ(*CleanEntryPath("a/b.js"), "a/b.js");
  EXPECT_EQ(*CleanEntryPath("./a//b/./c/"), "a/b/c");
  for (const char* bad : {"", "/", "/etc/passwd", "..", "../x", "a/../b", "a/..", ".", "./"}) {
    auto r = CleanEntryPath(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "unsafe path '" + std::string(bad) + "' in layer");
  }
}

TEST(PathSafetyTest, SymlinkTargets) {
  EXPECT_TRUE(SymlinkTargetSafe("bin/x", "../lib/x.js"));
  EXPECT_TRUE(SymlinkTargetSafe("a/b/c", "../../d"));
  EXPECT_TRUE(SymlinkTargetSafe("a/b/c", "./d/e"));
  EXPECT_TRUE(SymlinkTargetSafe("x", "y"));
  EXPECT_TRUE(SymlinkTargetSafe("a/self", ".."));
  EXPECT_FALSE(SymlinkTargetSafe("x", ".."));
  EXPECT_FALSE(SymlinkTargetSafe("a/b/c", "../../../d"));
  EXPECT_FALSE(SymlinkTargetSafe("x", "/etc"));
  EXPECT_FALSE(SymlinkTargetSafe("x", ""));
  EXPECT_FALSE(SymlinkTargetSafe("a/x", "b/../c"));  // ".." after a name: chains could climb
}

}  // namespace
}  // namespace aether::artifact::internal
