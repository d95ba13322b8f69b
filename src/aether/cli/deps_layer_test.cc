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
  std::string sha = std::string(64, 'b');
  s.Write("cache/deps/" + key + ".tar.zst", "12345");
  s.Write("cache/deps/" + key + ".json",
          nlohmann::json{{"digest", digest},
                         {"size", 5},
                         {"files", 2},
                         {"raw_bytes", 9},
                         {"entries", {{"node_modules/x/a.node", 9, 33188, sha}}},
                         {"native_addons",
                          {{{"path", "node_modules/x/a.node"},
                            {"os", "linux"},
                            {"arch", "arm64"},
                            {"libc", "musl"},
                            {"napi", true},
                            {"node_abi", ""}}}},
                         {"gyp_packages", {"node_modules/x"}}}
              .dump());
  EnvGuard path("PATH", (s / "empty-bin").c_str());  // npm could not run even if asked
  auto d = BuildDepsLayer(p, kNode, kPlatform, s / "cache");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->cached);
  EXPECT_EQ(d->key, key);
  EXPECT_EQ(d->layer.digest.str(), digest);
  EXPECT_EQ(d->layer.size, 5);
  EXPECT_EQ(d->layer.files, 2);
  EXPECT_EQ(d->layer.path, s / ("cache/deps/" + key + ".tar.zst"));
  EXPECT_EQ(d->layer.entries,
            (std::vector<artifact::FileEntry>{{"node_modules/x/a.node", 9, 0100644, sha}}));
  EXPECT_EQ(d->layer.native_addons,
            (std::vector<artifact::NativeAddon>{
                {"node_modules/x/a.node", "linux", "arm64", "musl", true, ""}}));
  EXPECT_EQ(d->layer.gyp_packages, (std::vector<std::string>{"node_modules/x"}));

  // A truncated blob is not a hit.
  s.Write("cache/deps/" + key + ".tar.zst", "123");
  auto stale = BuildDepsLayer(p, kNode, kPlatform, s / "cache");
  EXPECT_FALSE(stale.ok());  // falls through to the install, and npm is not on PATH
}

// A stand-in for npm that "installs" a package with a binding.gyp and a compiled addon (a bare
// ELF x86-64 header), so the fresh build and the cache hit can be compared without a network.
void WriteFakeNpm(const Scratch& s, bool works) {
  std::string elf(64, '\0');
  elf.replace(0, 4,
              "\x7f"
              "ELF");
  elf[4] = 2;
  elf[5] = 1;
  elf[18] = 62;
  s.Write("addon.node", elf + "napi_register_module_v1");
  s.Write("bin/npm", works
                         ? "#!/bin/sh\nset -e\nd=node_modules/dep\nmkdir -p $d/build/Release\n"
                           "echo 'module.exports = 1;' > $d/index.js\necho '{}' > $d/binding.gyp\n"
                           "cp '" +
                               (s / "addon.node") + "' $d/build/Release/dep.node\n"
                         : "#!/bin/sh\nexit 1\n");
  std::filesystem::permissions(s / "bin/npm", std::filesystem::perms::owner_all);
}

TEST(BuildDepsLayer, CacheHitDescribesTheLayerLikeAFreshPack) {
  Scratch s;
  Project p = NpmProject(s);
  WriteFakeNpm(s, true);
  EnvGuard path("PATH", (s / "bin" + ":/usr/bin:/bin").c_str());
  auto fresh = BuildDepsLayer(p, kNode, kPlatform, s / "cache");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_FALSE(fresh->cached);
  std::vector<std::string> paths;
  for (const auto& f : fresh->layer.entries) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"node_modules/dep/binding.gyp",
                                             "node_modules/dep/build/Release/dep.node",
                                             "node_modules/dep/index.js"}));
  EXPECT_EQ(fresh->layer.native_addons,
            (std::vector<artifact::NativeAddon>{
                {"node_modules/dep/build/Release/dep.node", "linux", "x64", "", true, ""}}));
  EXPECT_EQ(fresh->layer.gyp_packages, (std::vector<std::string>{"node_modules/dep"}));

  WriteFakeNpm(s, false);  // a second install would fail: only the cache can answer
  auto hit = BuildDepsLayer(p, kNode, kPlatform, s / "cache");
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_TRUE(hit->cached);
  EXPECT_EQ(hit->layer.digest, fresh->layer.digest);
  EXPECT_EQ(hit->layer.entries, fresh->layer.entries);
  EXPECT_EQ(hit->layer.native_addons, fresh->layer.native_addons);
  EXPECT_EQ(hit->layer.gyp_packages, fresh->layer.gyp_packages);
  EXPECT_EQ(artifact::ManifestLayer(hit->layer, "deps").files,
            artifact::ManifestLayer(fresh->layer, "deps").files);
}

}  // namespace
}  // namespace aether::cli
