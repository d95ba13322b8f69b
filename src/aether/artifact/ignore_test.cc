// Unit tests for ignore.h: gitignore-style semantics.
#include "aether/artifact/ignore.h"

#include <gtest/gtest.h>

namespace aether::artifact {
namespace {

TEST(IgnoreTest, DefaultsIgnoreDependencyAndVcsDirs) {
  IgnoreRules r = IgnoreRules::WithDefaults();
  EXPECT_TRUE(r.Ignored("node_modules", true));
  EXPECT_TRUE(r.Ignored("node_modules/express/index.js", false));
  EXPECT_TRUE(r.Ignored("packages/a/node_modules", true));
  EXPECT_TRUE(r.Ignored(".git", true));
  EXPECT_TRUE(r.Ignored(".aether/cache/x", false));
  EXPECT_FALSE(r.Ignored("node_modules", false));  // a file named so is kept
  EXPECT_FALSE(r.Ignored("src/index.js", false));
  EXPECT_FALSE(r.Ignored(".gitignore", false));
}

TEST(IgnoreTest, EmptyRulesIgnoreNothing) {
  IgnoreRules r;
  EXPECT_FALSE(r.Ignored("node_modules/x", false));
}

TEST(IgnoreTest, BasenamePatternsMatchAtAnyDepth) {
  IgnoreRules r;
  r.AddPatterns("# comment\n\n*.log\n.env\n");
  EXPECT_TRUE(r.Ignored("debug.log", false));
  EXPECT_TRUE(r.Ignored("logs/deep/app.log", false));
  EXPECT_TRUE(r.Ignored(".env", false));
  EXPECT_TRUE(r.Ignored("config/.env", false));
  EXPECT_FALSE(r.Ignored("# comment", false));
  EXPECT_FALSE(r.Ignored("app.js", false));
}

TEST(IgnoreTest, AnchoredPatterns) {
  IgnoreRules r;
  r.AddPatterns("/build\ndocs/*.md\n");
  EXPECT_TRUE(r.Ignored("build", true));
  EXPECT_TRUE(r.Ignored("build/out.js", false));
  EXPECT_FALSE(r.Ignored("src/build", true));
  EXPECT_TRUE(r.Ignored("docs/readme.md", false));
  EXPECT_FALSE(r.Ignored("docs/api/readme.md", false));  // '*' does not cross '/'
  EXPECT_FALSE(r.Ignored("other/docs/readme.md", false));
}

TEST(IgnoreTest, DirOnlyPatterns) {
  IgnoreRules r;
  r.AddPatterns("tmp/\n");
  EXPECT_TRUE(r.Ignored("tmp", true));
  EXPECT_TRUE(r.Ignored("a/tmp", true));
  EXPECT_TRUE(r.Ignored("a/tmp/file", false));
  EXPECT_FALSE(r.Ignored("tmp", false));
}

TEST(IgnoreTest, DoubleStar) {
  IgnoreRules r;
  r.AddPatterns("**/cache\nlogs/**\na/**/z.txt\n");
  EXPECT_TRUE(r.Ignored("cache", true));
  EXPECT_TRUE(r.Ignored("x/y/cache", false));
  EXPECT_TRUE(r.Ignored("logs/a", false));
  EXPECT_TRUE(r.Ignored("logs/a/b", false));
  EXPECT_FALSE(r.IgnoredSelf("logs", true));  // "logs/**" matches inside, not logs itself
  EXPECT_TRUE(r.Ignored("a/z.txt", false));
  EXPECT_TRUE(r.Ignored("a/b/c/z.txt", false));
  EXPECT_FALSE(r.Ignored("b/z.txt", false));
}

TEST(IgnoreTest, NegationLastMatchWins) {
  IgnoreRules r;
  r.AddPatterns("*.env\n!example.env\nsecret/*\n!secret/keep\n");
  EXPECT_TRUE(r.Ignored("prod.env", false));
  EXPECT_FALSE(r.Ignored("example.env", false));
  EXPECT_FALSE(r.Ignored("sub/example.env", false));
  EXPECT_TRUE(r.Ignored("secret/key", false));
  EXPECT_FALSE(r.Ignored("secret/keep", false));

  IgnoreRules again;
  again.AddPatterns("!a.txt\n*.txt\n");
  EXPECT_TRUE(again.Ignored("a.txt", false));
}

TEST(IgnoreTest, CannotReincludeUnderIgnoredDirectory) {
  IgnoreRules r;
  r.AddPatterns("dist/\n!dist/keep.js\n");
  EXPECT_TRUE(r.Ignored("dist/keep.js", false));
  EXPECT_FALSE(r.IgnoredSelf("dist/keep.js", false));
}

TEST(IgnoreTest, EscapesAndTrailingSpaces) {
  IgnoreRules r;
  r.AddPatterns("\\#notes   \n\\!bang\r\nfoo\\ \n");
  EXPECT_TRUE(r.Ignored("#notes", false));
  EXPECT_TRUE(r.Ignored("!bang", false));
  EXPECT_TRUE(r.Ignored("foo ", false));
}

}  // namespace
}  // namespace aether::artifact
