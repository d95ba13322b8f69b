// Deps layer: cache key stability and sensitivity, install commands, cache hits that run no
// package manager.
#include "aether/cli/deps_layer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aether/cli/test_util.h"

namespace aether::cli {
namespace {

using testing::EnvGuard;
using testing::Scratch;

DepsKeyInput Base() {
  return DepsKeyInput{
      "{\"lockfileVersion\":3}", R"({"express":"^4"})", "20", "linux", "x64", "glibc",
      "npm ci --omit=dev"};
}

TEST(DepsCacheKey, StableForTheSameInputs) {
  EXPECT_EQ(DepsCacheKey(Base()), DepsCacheKey(Base()));
  EXPECT_EQ(DepsCacheKey(Base()).size(), 64u);
}

TEST(DepsCacheKey, ChangesWithEachInput) {
  const std::string base = DepsCacheKey(Base());
  auto changed = [&](auto mutate) {
    DepsKeyInput in = Base();
    mutate(in);
    return DepsCacheKey(in);
  };
  EXPECT_NE(base, changed([](DepsKeyInput& in) { in.lockfile_bytes += " "; }));
  EXPECT_NE(base, changed([](DepsKeyInput& in) { in.node_major = "22"; }));
  EXPECT_NE(base, changed([](DepsKeyInput& in) { in.dependencies_json = "{}"; }));
  EXPECT_NE(base, changed([](DepsKeyInput& in) { in.arch = "arm64"; }));
  EXPECT_NE(base, changed([](DepsKeyInput& in) { in.libc = "musl"; }));
  EXPECT_NE(base, changed([](DepsKeyInput& in) { in.install_flags += " --foo"; }));
  // Fields are length-prefixed: moving bytes between fields changes the key.
  EXPECT_NE(changed([](DepsKeyInput& in) {
              in.os = "linu";
              in.arch = "xx64";
            }),
            changed([](DepsKeyInput& in) {
              in.os = "linux";
              in.arch = "x64";
            }));
}

TEST(InstallCommand, ProductionInstallsPerManager) {
  using Argv = std::vector<std::string>;
  EXPECT_EQ(InstallCommand(PackageManager::kNpm, true),
            (Argv{"npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline",
                  "--loglevel=error"}));
  EXPECT_EQ(InstallCommand(PackageManager::kNpm, false)[1], "install");
  EXPECT_EQ(InstallCommand(PackageManager::kYarn, true)[0], "yarn");
  EXPECT_EQ(InstallCommand(PackageManager::kPnpm, true)[0], "pnpm");
}

Project NpmProject(const Scratch& s) {
  s.Write("app/package.json", R"({"name":"a","main":"a.js","dependencies":{"x":"1"}})");
  s.Write("app/package-lock.json", R"({"lockfileVersion":3})");
  Project p;
  p.dir = s / "app";
  p.lockfile = "package-lock.json";
  p.has_dependencies = true;
  p.dependencies_json = R"({"x":"1"})";
  return p;
}

const LocalNode kNode{"/usr/bin/node", "20.20.2", "20", "115"};
const HostPlatform kPlatform{"linux", "x64", "glibc"};

TEST(BuildDepsLayer, MissingPackageManagerIsAConfigError) {
  Scratch s;
  Project p = NpmProject(s);
  p.manager = PackageManager::kPnpm;
  p.lockfile = "";
  EnvGuard path("PATH", (s / "empty-bin").c_str());
  auto d = BuildDepsLayer(p, kNode, kPlatform, s / "cache");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(d.status().message().find("pnpm"), std::string::npos) << d.status().message();
}

TEST(BuildDepsLayer, CacheHitRunsNoPackageManager) {
  Scratch s;
  Project p = NpmProject(s);
  DepsKeyInput in{R"({"lockfileVersion":3})",
                  p.dependencies_json,
                  "20",
                  "linux",
                  "x64",
                  "glibc",
                  "npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error"};
  std::string key = DepsCacheKey(in);
  std::string digest = "sha256:" + std::string(64, 'a');
  s.Write("cache/deps/" + key + ".tar.zst", "12345");
  s.Write("cache/deps/" + key + ".json",
          nlohmann::json{{"digest", digest}, {"size", 5}, {"files", 2}, {"raw_bytes", 9}}.dump());
  EnvGuard path("PATH", (s / "empty-bin").c_str());  // npm could not run even if asked
  auto d = BuildDepsLayer(p, kNode, kPlatform, s / "cache");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->cached);
  EXPECT_EQ(d->key, key);
  EXPECT_EQ(d->layer.digest.str(), digest);
  EXPECT_EQ(d->layer.size, 5);
  EXPECT_EQ(d->layer.files, 2);
  EXPECT_EQ(d->layer.path, s / ("cache/deps/" + key + ".tar.zst"));

  // A truncated blob is not a hit.
  s.Write("cache/deps/" + key + ".tar.zst", "123");
  auto stale = BuildDepsLayer(p, kNode, kPlatform, s / "cache");
  EXPECT_FALSE(stale.ok());  // falls through to the install, and npm is not on PATH
}

}  // namespace
}  // namespace aether::cli
