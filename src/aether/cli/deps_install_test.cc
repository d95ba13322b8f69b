// BuildDepsLayer with the real npm, offline: a dependency from a local tarball is installed in
// a staging directory, packed into the cache, reused on the next call, and the project's own
// tree is never touched. Skipped when npm is not installed.
#include <gtest/gtest.h>

#include <filesystem>

#include "aether/cli/deps_layer.h"
#include "aether/cli/process.h"
#include "aether/cli/test_util.h"

namespace aether::cli {
namespace {

using testing::EnvGuard;
using testing::Scratch;

TEST(DepsInstall, NpmInstallsInStagingPacksAndCaches) {
  if (FindOnPath("npm").empty() || FindOnPath("tar").empty()) GTEST_SKIP() << "npm not on PATH";
  Scratch s;
  s.Write("pkg/package/package.json", R"({"name":"tiny-dep","version":"1.0.0","main":"i.js"})");
  s.Write("pkg/package/i.js", "module.exports = 42;\n");
  auto tar = RunCapture({"tar", "-czf", s / "tiny-dep-1.0.0.tgz", "-C", s / "pkg", "package"});
  ASSERT_TRUE(tar.ok() && tar->exit_code == 0);

  std::string deps = "{\"tiny-dep\":\"file:" + (s / "tiny-dep-1.0.0.tgz") + "\"}";
  s.Write("app/package.json", "{\"name\":\"a\",\"main\":\"a.js\",\"dependencies\":" + deps + "}");
  Project p;
  p.dir = s / "app";
  p.has_dependencies = true;
  p.dependencies_json = deps;
  EnvGuard npm_cache("npm_config_cache", (s / "npm-cache").c_str());
  EnvGuard offline("npm_config_offline", "true");
  LocalNode node{"", "20.0.0", "20", "115"};
  HostPlatform platform{"linux", "x64", "glibc"};

  auto built = BuildDepsLayer(p, node, platform, s / "cache");
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_FALSE(built->cached);
  EXPECT_GE(built->layer.files, 2);
  EXPECT_TRUE(std::filesystem::exists(built->layer.path));
  EXPECT_FALSE(std::filesystem::exists(s / "app/node_modules"));
  EXPECT_FALSE(std::filesystem::exists(s / "app/package-lock.json"));

  auto again = BuildDepsLayer(p, node, platform, s / "cache");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->cached);
  EXPECT_EQ(again->layer.digest, built->layer.digest);
  EXPECT_EQ(again->layer.path, built->layer.path);
}

TEST(DepsInstall, FailedInstallShowsTheToolsLastLines) {
  if (FindOnPath("npm").empty()) GTEST_SKIP() << "npm not on PATH";
  Scratch s;
  s.Write("app/package.json", R"({"name":"a","dependencies":{"x":"file:/nonexistent/x.tgz"}})");
  Project p;
  p.dir = s / "app";
  p.has_dependencies = true;
  p.dependencies_json = R"({"x":"file:/nonexistent/x.tgz"})";
  EnvGuard npm_cache("npm_config_cache", (s / "npm-cache").c_str());
  EnvGuard offline("npm_config_offline", "true");
  auto built = BuildDepsLayer(p, LocalNode{"", "20.0.0", "20", "115"},
                              HostPlatform{"linux", "x64", "glibc"}, s / "cache");
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(built.status().message().find("npm install failed"), std::string::npos)
      << built.status().message();
  EXPECT_EQ(built.status().message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace aether::cli
