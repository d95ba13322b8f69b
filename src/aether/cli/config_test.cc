// Config: atomic private writes, reads, env and flag overrides, paths.
#include "aether/cli/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "aether/cli/test_util.h"

namespace aether::cli {
namespace {

using testing::EnvGuard;
using testing::Scratch;

int Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 0777);
}

TEST(Config, PathFollowsXdgThenHome) {
  {
    EnvGuard xdg("XDG_CONFIG_HOME", "/x/conf");
    EXPECT_EQ(ConfigPath(), "/x/conf/aether/config.json");
  }
  EnvGuard xdg("XDG_CONFIG_HOME", nullptr);
  EnvGuard home("HOME", "/home/dev");
  EXPECT_EQ(ConfigPath(), "/home/dev/.config/aether/config.json");
  EnvGuard cache("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(CacheDir(), "/home/dev/.cache/aether");
}

TEST(Config, SaveWritesPrivateFileAndLoadReadsIt) {
  Scratch s;
  std::string path = s / "conf/aether/config.json";
  ASSERT_TRUE(SaveConfigFile(path, {"http://h:7070", "tok"}).ok());
  EXPECT_EQ(Mode(path), 0600);
  EXPECT_EQ(Mode(s / "conf/aether"), 0700);
  auto c = LoadConfigFile(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "http://h:7070");
  EXPECT_EQ(c->token, "tok");
  // Overwrite: still 0600, no temp files left behind.
  ASSERT_TRUE(SaveConfigFile(path, {"http://h:7070", ""}).ok());
  EXPECT_EQ(Mode(path), 0600);
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(s / "conf/aether")) {
    ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_EQ(LoadConfigFile(path)->token, "");
}

TEST(Config, MissingFileIsEmptyMalformedIsConfigError) {
  Scratch s;
  auto none = LoadConfigFile(s / "nope.json");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->token.empty());
  s.Write("bad.json", "{not json");
  auto bad = LoadConfigFile(s / "bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kFailedPrecondition);
}

TEST(Config, EnvOverridesFileAndFlagOverridesEnv) {
  Scratch s;
  std::string path = s / "config.json";
  ASSERT_TRUE(SaveConfigFile(path, {"http://file:1", "file-token"}).ok());
  EnvGuard server_env("AETHER_SERVER", nullptr);
  EnvGuard token_env("AETHER_TOKEN", nullptr);
  auto c = ResolveConfig(path, "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server, "http://file:1");
  EXPECT_EQ(c->token, "file-token");

  EnvGuard server_env2("AETHER_SERVER", "http://env:2/");
  EnvGuard token_env2("AETHER_TOKEN", "env-token");
  c = ResolveConfig(path, "");
  EXPECT_EQ(c->server, "http://env:2");
  EXPECT_EQ(c->token, "env-token");

  c = ResolveConfig(path, "flag:3");
  EXPECT_EQ(c->server, "http://flag:3");
}

TEST(Config, DefaultServerAndTokenRequired) {
  Scratch s;
  EnvGuard server_env("AETHER_SERVER", nullptr);
  EnvGuard token_env("AETHER_TOKEN", nullptr);
  auto c = ResolveConfig(s / "none.json", "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server, kDefaultServer);
  Status st = RequireToken(*c);
  EXPECT_EQ(st.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("not logged in"), std::string::npos);
}

TEST(Config, NormalizeServerUrl) {
  EXPECT_EQ(NormalizeServerUrl("http://a:1/"), "http://a:1");
  EXPECT_EQ(NormalizeServerUrl("https://a//"), "https://a");
  EXPECT_EQ(NormalizeServerUrl("127.0.0.1:7070"), "http://127.0.0.1:7070");
}

TEST(Config, CaFileIsSavedAndFlagThenEnvThenFileDecide) {
  Scratch s;
  std::string path = s / "config.json";
  Config saved{"https://h:7070", "tok"};
  saved.ca_file = "/etc/aether/ca.pem";
  ASSERT_TRUE(SaveConfigFile(path, saved).ok());
  EXPECT_EQ(LoadConfigFile(path)->ca_file, "/etc/aether/ca.pem");
  EnvGuard env("AETHER_CA_FILE", nullptr);
  EXPECT_EQ(ResolveCaFile(path, ""), "/etc/aether/ca.pem");
  {
    EnvGuard set("AETHER_CA_FILE", "/env/ca.pem");
    EXPECT_EQ(ResolveCaFile(path, ""), "/env/ca.pem");
    EXPECT_EQ(ResolveCaFile(path, "flag.pem"), "flag.pem");
  }
  EXPECT_EQ(ResolveCaFile(s / "none.json", ""), "");
}

TEST(Config, CheckCaFile) {
  Scratch s;
  s.Write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  s.Write("junk.pem", "not a certificate");
  EXPECT_TRUE(CheckCaFile(s / "ca.pem").ok());
  Status junk = CheckCaFile(s / "junk.pem");
  EXPECT_EQ(junk.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(junk.message().find("is not a PEM certificate"), std::string::npos);
  Status missing = CheckCaFile(s / "missing.pem");
  EXPECT_EQ(missing.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.message().find("cannot read CA file"), std::string::npos);
}

}  // namespace
}  // namespace aether::cli
