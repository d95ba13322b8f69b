// Unit tests for lockfile.h: npm (v1–v3), dispatch, malformed input and the real
// examples/express-app lockfile. yarn and pnpm: lockfile_yarn_test.cc, lockfile_pnpm_test.cc.
#include "aether/artifact/lockfile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "aether/artifact/lockfile_test_util.h"

namespace aether::artifact {
namespace {

using testing::Find;
using testing::Ids;

const char kNpmV3[] = R"({
  "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0",
         "dependencies": {"@scope/a": "^1.0.0", "b": "^2.0.0", "local": "file:packages/local"},
         "devDependencies": {"jest-lite": "^1.0.0"},
         "optionalDependencies": {"fsevents": "^2.3.0"}},
    "node_modules/@scope/a": {"version": "1.0.0", "integrity": "sha512-AAA",
        "resolved": "https://registry.npmjs.org/@scope/a/-/a-1.0.0.tgz",
        "dependencies": {"b": "^1.0.0", "c": "^1.0.0"}},
    "node_modules/@scope/a/node_modules/b": {"version": "1.5.0", "integrity": "sha512-B15",
        "dependencies": {"c": "^1.0.0", "missing-optional": "^1"}},
    "node_modules/b": {"version": "2.0.0", "dependencies": {"c": "^1.0.0"},
        "peerDependencies": {"react": "*"}},
    "node_modules/c": {"version": "1.0.0"},
    "node_modules/react": {"version": "18.0.0", "peer": true},
    "node_modules/jest-lite": {"version": "1.0.0", "dev": true,
        "dependencies": {"c": "^1.0.0", "dev-only": "^3.0.0", "both": "^1.0.0"}},
    "node_modules/dev-only": {"version": "3.0.0", "dev": true},
    "node_modules/fsevents": {"version": "2.3.3", "optional": true,
        "dependencies": {"both": "^1.0.0"}},
    "node_modules/both": {"version": "1.0.0", "devOptional": true},
    "node_modules/aliased": {"name": "real-pkg", "version": "4.0.0"},
    "node_modules/local": {"resolved": "packages/local", "link": true},
    "packages/local": {"name": "local", "version": "0.1.0", "dependencies": {"c": "^1"}}
  }
})";

TEST(NpmLockTest, ParsesV3PathsScopesAndNesting) {
  auto g = ParseNpmLock(kNpmV3);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->lockfile, "package-lock.json");
  Ids ids;
  for (const auto& p : g->packages) ids.push_back(p.id);
  EXPECT_EQ(ids, (Ids{"node_modules/@scope/a", "node_modules/@scope/a/node_modules/b",
                      "node_modules/aliased", "node_modules/b", "node_modules/both",
                      "node_modules/c", "node_modules/dev-only", "node_modules/fsevents",
                      "node_modules/jest-lite", "node_modules/react", "packages/local"}));
  EXPECT_EQ(g->root_dependencies,
            (Ids{"node_modules/@scope/a", "node_modules/b", "node_modules/fsevents",
                 "node_modules/jest-lite", "packages/local"}));

  const LockedPackage* a = Find(*g, "node_modules/@scope/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name, "@scope/a");
  EXPECT_EQ(a->version, "1.0.0");
  EXPECT_EQ(a->integrity, "sha512-AAA");
  EXPECT_EQ(a->resolved, "https://registry.npmjs.org/@scope/a/-/a-1.0.0.tgz");
  // The nested b wins over the top-level one for @scope/a; c comes from the root.
  EXPECT_EQ(a->dependencies, (Ids{"node_modules/@scope/a/node_modules/b", "node_modules/c"}));
  const LockedPackage* nested = Find(*g, "node_modules/@scope/a/node_modules/b");
  EXPECT_EQ(nested->name, "b");
  EXPECT_EQ(nested->version, "1.5.0");
  EXPECT_EQ(nested->dependencies, Ids{"node_modules/c"});  // uninstalled deps are dropped
  EXPECT_EQ(Find(*g, "node_modules/b")->dependencies,
            (Ids{"node_modules/c", "node_modules/react"}));
  EXPECT_EQ(Find(*g, "node_modules/aliased")->name, "real-pkg");
  EXPECT_EQ(Find(*g, "packages/local")->dependencies, Ids{"node_modules/c"});
}

TEST(NpmLockTest, TakesDevAndOptionalFlagsFromTheFile) {
  auto g = ParseNpmLock(kNpmV3);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_TRUE(Find(*g, "node_modules/jest-lite")->dev);
  EXPECT_TRUE(Find(*g, "node_modules/dev-only")->dev);
  EXPECT_FALSE(Find(*g, "node_modules/c")->dev);
  EXPECT_FALSE(Find(*g, "node_modules/fsevents")->dev);
  EXPECT_TRUE(Find(*g, "node_modules/fsevents")->optional);
  // devOptional: kept by `npm ci --omit=dev` as an optional dependency.
  EXPECT_FALSE(Find(*g, "node_modules/both")->dev);
  EXPECT_TRUE(Find(*g, "node_modules/both")->optional);
  EXPECT_FALSE(Find(*g, "node_modules/c")->optional);
}

const char kNpmV1[] = R"({
  "name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
  "dependencies": {
    "@scope/a": {"version": "1.0.0", "integrity": "sha512-AAA",
      "requires": {"b": "^1.0.0", "c": "^1.0.0"},
      "dependencies": {"b": {"version": "1.5.0", "requires": {"c": "^1.0.0"}}}},
    "b": {"version": "2.0.0", "requires": {"c": "^1.0.0"}},
    "c": {"version": "1.0.0"},
    "jest-lite": {"version": "1.0.0", "dev": true, "requires": {"c": "^1.0.0"}},
    "fsevents": {"version": "2.3.3", "optional": true},
    "my-alias": {"version": "npm:real-pkg@2.1.0"}
  }
})";

TEST(NpmLockTest, ParsesV1NestedDependencies) {
  const char kPackageJson[] =
      R"({"dependencies": {"@scope/a": "^1", "b": "^2", "c": "^1", "my-alias": "npm:real-pkg@2"},
          "devDependencies": {"jest-lite": "^1"}, "optionalDependencies": {"fsevents": "^2"}})";
  auto g = ParseNpmLock(kNpmV1, kPackageJson);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->packages.size(), 7u);
  EXPECT_EQ(Find(*g, "node_modules/@scope/a")->dependencies,
            (Ids{"node_modules/@scope/a/node_modules/b", "node_modules/c"}));
  EXPECT_EQ(Find(*g, "node_modules/@scope/a/node_modules/b")->dependencies, Ids{"node_modules/c"});
  EXPECT_EQ(g->root_dependencies,
            (Ids{"node_modules/@scope/a", "node_modules/b", "node_modules/c",
                 "node_modules/fsevents", "node_modules/jest-lite", "node_modules/my-alias"}));
  EXPECT_TRUE(Find(*g, "node_modules/jest-lite")->dev);
  EXPECT_TRUE(Find(*g, "node_modules/fsevents")->optional);
  const LockedPackage* alias = Find(*g, "node_modules/my-alias");
  EXPECT_EQ(alias->name, "real-pkg");
  EXPECT_EQ(alias->version, "2.1.0");

  // Without package.json: the top-level packages nothing else requires.
  auto bare = ParseNpmLock(kNpmV1);
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->root_dependencies,
            (Ids{"node_modules/@scope/a", "node_modules/b", "node_modules/fsevents",
                 "node_modules/jest-lite", "node_modules/my-alias"}));
}

TEST(NpmLockTest, ParsesTheExpressExampleLockfile) {
  std::filesystem::path path = std::filesystem::path(__FILE__).parent_path() /
                               "../../../examples/express-app/package-lock.json";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto g = ParseLockfile("package-lock.json", text, "");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->root_dependencies,
            (Ids{"node_modules/express", "node_modules/helmet", "node_modules/pino"}));
  EXPECT_GT(g->packages.size(), 60u);
  for (const LockedPackage& p : g->packages) {
    EXPECT_FALSE(p.name.empty()) << p.id;
    EXPECT_FALSE(p.version.empty()) << p.id;
    EXPECT_TRUE(p.integrity.starts_with("sha512-")) << p.id;
    EXPECT_FALSE(p.dev) << p.id;
    for (const std::string& dep : p.dependencies) EXPECT_NE(Find(*g, dep), nullptr) << dep;
  }
  const LockedPackage* express = Find(*g, "node_modules/express");
  ASSERT_NE(express, nullptr);
  EXPECT_EQ(express->name, "express");
  EXPECT_GT(express->dependencies.size(), 20u);
  EXPECT_NE(Find(*g, "node_modules/@pinojs/redact"), nullptr);
  // Every package is reachable from the root.
  std::vector<std::string> stack = g->root_dependencies;
  std::set<std::string> seen(stack.begin(), stack.end());
  while (!stack.empty()) {
    const LockedPackage* p = Find(*g, stack.back());
    stack.pop_back();
    for (const std::string& d : p->dependencies) {
      if (seen.insert(d).second) stack.push_back(d);
    }
  }
  EXPECT_EQ(seen.size(), g->packages.size());
}

TEST(NpmLockTest, RejectsMalformedInput) {
  for (const char* text :
       {"", "not json", "[]", R"({"packages": {}})", R"({"lockfileVersion": 4, "packages": {}})",
        R"({"lockfileVersion": 3, "packages": []})",
        R"({"lockfileVersion": 3, "packages": {"node_modules/a": 1}})",
        R"({"lockfileVersion": 1, "dependencies": {"a": "1.0.0"}})"}) {
    auto g = ParseNpmLock(text);
    ASSERT_FALSE(g.ok()) << text;
    EXPECT_EQ(g.status().code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_TRUE(g.status().message().starts_with("package-lock.json: ")) << g.status().message();
  }
}

TEST(LockfileTest, DispatchesOnTheFileName) {
  auto shrinkwrap = ParseLockfile("npm-shrinkwrap.json", kNpmV3, "");
  ASSERT_TRUE(shrinkwrap.ok()) << shrinkwrap.status().ToString();
  EXPECT_EQ(shrinkwrap->lockfile, "npm-shrinkwrap.json");
  auto yarn = ParseLockfile("yarn.lock", "# yarn lockfile v1\n", "{}");
  ASSERT_TRUE(yarn.ok()) << yarn.status().ToString();
  EXPECT_EQ(yarn->lockfile, "yarn.lock");
  auto pnpm = ParseLockfile("pnpm-lock.yaml", "lockfileVersion: '9.0'\n", "");
  ASSERT_TRUE(pnpm.ok()) << pnpm.status().ToString();
  EXPECT_EQ(pnpm->lockfile, "pnpm-lock.yaml");
  auto other = ParseLockfile("bun.lockb", "", "");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(other.status().message().find("bun.lockb"), std::string::npos);
}

}  // namespace
}  // namespace aether::artifact
