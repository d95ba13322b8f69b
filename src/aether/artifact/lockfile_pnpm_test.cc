// Unit tests for lockfile.h: pnpm-lock.yaml 5.4 / 6.0 / 9.0, dev and optional flags computed
// from reachability, and malformed input.
#include <gtest/gtest.h>

#include "aether/artifact/lockfile.h"
#include "aether/artifact/lockfile_test_util.h"

namespace aether::artifact {
namespace {

using testing::Find;
using testing::Ids;
using testing::IdsOf;

const char kPnpm54[] = R"(lockfileVersion: 5.4

specifiers:
  '@scope/a': ^1.0.0
  jest-lite: ^1.0.0

dependencies:
  '@scope/a': 1.0.0

devDependencies:
  jest-lite: 1.0.0_c@1.0.0

packages:

  /@scope/a/1.0.0:
    resolution: {integrity: sha512-AAA}
    dependencies:
      c: 1.0.0
    dev: false

  /c/1.0.0:
    resolution: {integrity: sha512-CCC, tarball: https://example.com/c-1.0.0.tgz}
    dev: false

  /jest-lite/1.0.0_c@1.0.0:
    resolution: {integrity: sha512-JJJ}
    peerDependencies:
      c: '*'
    dependencies:
      c: 1.0.0
    dev: true
)";

TEST(PnpmLockTest, ParsesVersion5) {
  auto g = ParsePnpmLock(kPnpm54);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(IdsOf(*g), (Ids{"@scope/a@1.0.0", "c@1.0.0", "jest-lite@1.0.0_c@1.0.0"}));
  EXPECT_EQ(g->root_dependencies, (Ids{"@scope/a@1.0.0", "jest-lite@1.0.0_c@1.0.0"}));
  const LockedPackage* a = Find(*g, "@scope/a@1.0.0");
  EXPECT_EQ(a->name, "@scope/a");
  EXPECT_EQ(a->version, "1.0.0");
  EXPECT_EQ(a->integrity, "sha512-AAA");
  EXPECT_EQ(a->dependencies, Ids{"c@1.0.0"});
  const LockedPackage* jest = Find(*g, "jest-lite@1.0.0_c@1.0.0");
  EXPECT_EQ(jest->name, "jest-lite");
  EXPECT_EQ(jest->version, "1.0.0");
  EXPECT_TRUE(jest->dev);
  EXPECT_EQ(Find(*g, "c@1.0.0")->resolved, "https://example.com/c-1.0.0.tgz");
  EXPECT_FALSE(Find(*g, "c@1.0.0")->dev);
}

const char kPnpm60[] = R"(lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

dependencies:
  '@scope/a':
    specifier: ^1.0.0
    version: 1.0.0
  b:
    specifier: ^2.0.0
    version: 2.0.0(react@18.0.0)
  local:
    specifier: link:../local
    version: link:../local

devDependencies:
  jest-lite:
    specifier: ^1.0.0
    version: 1.0.0

packages:

  /@scope/a@1.0.0:
    resolution: {integrity: sha512-AAA}
    dependencies:
      c: 1.0.0
    dev: false

  /b@2.0.0(react@18.0.0):
    resolution: {integrity: sha512-BBB}
    peerDependencies:
      react: ^18
    dependencies:
      c: 1.0.0
      react: 18.0.0
    dev: false

  /c@1.0.0:
    resolution: {integrity: sha512-CCC}
    dev: false

  /react@18.0.0:
    resolution: {integrity: sha512-RRR}
    dev: false

  /jest-lite@1.0.0:
    resolution: {integrity: sha512-JJJ}
    dependencies:
      dev-only: 3.0.0
    dev: true

  /dev-only@3.0.0:
    resolution: {integrity: sha512-DDD}
    dev: true
)";

TEST(PnpmLockTest, ParsesVersion6) {
  auto g = ParsePnpmLock(kPnpm60);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(IdsOf(*g), (Ids{"@scope/a@1.0.0", "b@2.0.0(react@18.0.0)", "c@1.0.0", "dev-only@3.0.0",
                            "jest-lite@1.0.0", "react@18.0.0"}));
  EXPECT_EQ(g->root_dependencies,
            (Ids{"@scope/a@1.0.0", "b@2.0.0(react@18.0.0)", "jest-lite@1.0.0"}));
  const LockedPackage* b = Find(*g, "b@2.0.0(react@18.0.0)");
  EXPECT_EQ(b->name, "b");
  EXPECT_EQ(b->version, "2.0.0");
  EXPECT_EQ(b->integrity, "sha512-BBB");
  EXPECT_EQ(b->dependencies, (Ids{"c@1.0.0", "react@18.0.0"}));
  EXPECT_TRUE(Find(*g, "jest-lite@1.0.0")->dev);
  EXPECT_TRUE(Find(*g, "dev-only@3.0.0")->dev);
  EXPECT_FALSE(Find(*g, "react@18.0.0")->dev);
}

const char kPnpm90[] = R"(lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      '@scope/a':
        specifier: ^1.0.0
        version: 1.0.0
      alias-x:
        specifier: npm:real-x@^1
        version: real-x@1.2.0
    devDependencies:
      dev-only:
        specifier: ^3
        version: 3.0.0
    optionalDependencies:
      opt:
        specifier: ^1
        version: 1.0.0

  packages/other:
    dependencies:
      unrelated:
        specifier: ^1
        version: 1.0.0

packages:

  '@scope/a@1.0.0':
    resolution: {integrity: sha512-AAA}

  c@1.0.0:
    resolution: {integrity: sha512-CCC}

  dev-only@3.0.0:
    resolution: {integrity: sha512-DDD}

  opt@1.0.0:
    resolution: {integrity: sha512-OOO}
    os: [darwin]

  real-x@1.2.0:
    resolution: {integrity: sha512-cmVhbC14IDEuMi4w}

  unrelated@1.0.0:
    resolution: {integrity: sha512-dW5yZWxhdGVkIDEuMC4w}

snapshots:

  '@scope/a@1.0.0':
    dependencies:
      c: 1.0.0

  c@1.0.0: {}

  dev-only@3.0.0:
    dependencies:
      c: 1.0.0

  opt@1.0.0:
    optional: true

  real-x@1.2.0: {}

  unrelated@1.0.0: {}
)";

TEST(PnpmLockTest, ParsesVersion9) {
  auto g = ParsePnpmLock(kPnpm90);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(IdsOf(*g), (Ids{"@scope/a@1.0.0", "c@1.0.0", "dev-only@3.0.0", "opt@1.0.0",
                            "real-x@1.2.0", "unrelated@1.0.0"}));
  EXPECT_EQ(g->root_dependencies,
            (Ids{"@scope/a@1.0.0", "dev-only@3.0.0", "opt@1.0.0", "real-x@1.2.0"}));
  EXPECT_EQ(Find(*g, "@scope/a@1.0.0")->integrity, "sha512-AAA");
  EXPECT_EQ(Find(*g, "@scope/a@1.0.0")->dependencies, Ids{"c@1.0.0"});
  EXPECT_EQ(Find(*g, "real-x@1.2.0")->name, "real-x");
  EXPECT_TRUE(Find(*g, "dev-only@3.0.0")->dev);
  EXPECT_FALSE(Find(*g, "c@1.0.0")->dev);
  EXPECT_TRUE(Find(*g, "opt@1.0.0")->optional);
  EXPECT_TRUE(Find(*g, "unrelated@1.0.0")->dev);  // only another importer uses it
}

TEST(PnpmLockTest, RejectsMalformedInput) {
  for (const char* text : {"", "[1, 2]", "lockfileVersion: '3.0'\n", "lockfileVersion: [\n",
                           "lockfileVersion: '9.0'\npackages: [1]\n"}) {
    auto g = ParsePnpmLock(text);
    ASSERT_FALSE(g.ok()) << text;
    EXPECT_EQ(g.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(g.status().message().starts_with("pnpm-lock.yaml: ")) << g.status().message();
  }
}

}  // namespace
}  // namespace aether::artifact
