// ReadGitInfo against real repositories made with `git init` in a scratch directory.
#include "aether/cli/git_info.h"

#include <gtest/gtest.h>

#include "aether/cli/process.h"
#include "aether/cli/test_util.h"

namespace aether::cli {
namespace {

// Runs git in `dir` with a fixed identity and no signing; the exit code must be 0.
void Git(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git",
                                   "-C",
                                   dir,
                                   "-c",
                                   "user.name=Test",
                                   "-c",
                                   "user.email=test@example.com",
                                   "-c",
                                   "commit.gpgsign=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunCapture(argv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->exit_code, 0) << r->output;
}

class GitInfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindOnPath("git").empty()) GTEST_SKIP() << "git is not installed";
  }
  testing::Scratch scratch_;
};

TEST_F(GitInfoTest, NotARepository) {
  auto info = ReadGitInfo(scratch_.path());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_FALSE(info->in_repo);
  EXPECT_TRUE(info->commit.empty());
}

TEST_F(GitInfoTest, RepositoryWithoutCommits) {
  Git(scratch_.path(), {"init", "-q"});
  auto info = ReadGitInfo(scratch_.path());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_FALSE(info->in_repo);
}

TEST_F(GitInfoTest, CleanThenDirty) {
  const std::string& dir = scratch_.path();
  Git(dir, {"init", "-q"});
  scratch_.Write("index.js", "console.log(1)\n");
  scratch_.Write(".gitignore", "node_modules/\n");
  Git(dir, {"add", "."});
  Git(dir, {"commit", "-q", "-m", "first"});

  auto head = RunCapture({"git", "-C", dir, "rev-parse", "HEAD"});
  ASSERT_TRUE(head.ok());
  auto info = ReadGitInfo(dir);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->in_repo);
  EXPECT_EQ(info->commit + "\n", head->output);
  EXPECT_FALSE(info->dirty);
  EXPECT_EQ(info->remote, "");

  scratch_.Write("node_modules/x/index.js", "ignored\n");  // ignored files keep it clean
  EXPECT_FALSE(ReadGitInfo(dir)->dirty);
  scratch_.Write("index.js", "console.log(2)\n");
  EXPECT_TRUE(ReadGitInfo(dir)->dirty);
  Git(dir, {"commit", "-q", "-am", "second"});
  EXPECT_FALSE(ReadGitInfo(dir)->dirty);
  scratch_.Write("new.js", "untracked\n");
  EXPECT_TRUE(ReadGitInfo(dir)->dirty);
}

TEST_F(GitInfoTest, RemoteWithoutCredentials) {
  const std::string& dir = scratch_.path();
  Git(dir, {"init", "-q"});
  scratch_.Write("a", "a\n");
  Git(dir, {"add", "a"});
  Git(dir, {"commit", "-q", "-m", "a"});
  Git(dir, {"remote", "add", "origin", "https://user:s3cret@example.com/acme/web.git"});
  auto info = ReadGitInfo(dir);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->remote, "https://example.com/acme/web.git");
}

TEST(StripUrlUserinfo, Cases) {
  EXPECT_EQ(StripUrlUserinfo("https://u:p@h.com/x.git"), "https://h.com/x.git");
  EXPECT_EQ(StripUrlUserinfo("https://tok@h.com"), "https://h.com");
  EXPECT_EQ(StripUrlUserinfo("ssh://git@h.com:22/x.git"), "ssh://h.com:22/x.git");
  EXPECT_EQ(StripUrlUserinfo("https://h.com/a@b"), "https://h.com/a@b");
  EXPECT_EQ(StripUrlUserinfo("git@h.com:acme/x.git"), "git@h.com:acme/x.git");
  EXPECT_EQ(StripUrlUserinfo("/srv/repos/x.git"), "/srv/repos/x.git");
}

}  // namespace
}  // namespace aether::cli
