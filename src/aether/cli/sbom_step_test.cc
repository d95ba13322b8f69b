// Unit tests for sbom_step.h: BuildProjectSbom over a project directory.
#include "aether/cli/sbom_step.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aether/cli/test_util.h"

namespace aether::cli {
namespace {

const char kLock[] = R"({"name": "shop", "version": "2.0.0", "lockfileVersion": 3,
  "packages": {
    "": {"name": "shop", "version": "2.0.0", "dependencies": {"@scope/a": "^1"},
         "devDependencies": {"jest": "^29"}},
    "node_modules/@scope/a": {"version": "1.0.0", "integrity": "sha1-hvfkN/qlp/zhXR3cuerq6jd2Z7g="},
    "node_modules/jest": {"version": "29.0.0", "dev": true}
  }})";

artifact::SbomSubject Subject() {
  return {"shop", "", "", "sha256:" + std::string(64, 'e'), "0.1.0"};
}

TEST(SbomStepTest, BuildsCycloneDxFromTheLockfile) {
  testing::Scratch dir;
  dir.Write("package.json", R"({"name": "shop", "version": "2.0.0"})");
  dir.Write("package-lock.json", kLock);
  auto sbom = BuildProjectSbom(dir.path(), "package-lock.json", SbomFormat::kCycloneDx, Subject());
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  auto bom = nlohmann::json::parse(*sbom);
  EXPECT_EQ(bom["specVersion"], "1.5");
  EXPECT_EQ(bom["metadata"]["component"]["bom-ref"], "pkg:npm/shop@2.0.0");
  EXPECT_EQ(bom["metadata"]["component"]["version"], "2.0.0");
  ASSERT_EQ(bom["components"].size(), 1u);
  EXPECT_EQ(bom["components"][0]["purl"], "pkg:npm/%40scope/a@1.0.0");
  EXPECT_TRUE(artifact::CheckSbom(*sbom, Digest::FromHex(std::string(64, 'e'))).ok());
}

TEST(SbomStepTest, BuildsTheLegacyFormat) {
  testing::Scratch dir;
  dir.Write("package.json", R"({"name": "shop", "version": "2.0.0"})");
  dir.Write("package-lock.json", kLock);
  auto sbom = BuildProjectSbom(dir.path(), "package-lock.json", SbomFormat::kLegacy, Subject());
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  auto doc = nlohmann::json::parse(*sbom);
  EXPECT_EQ(doc["format"], "aether-sbom/v1");
  EXPECT_EQ(doc["app"], "shop");
  ASSERT_EQ(doc["packages"].size(), 1u);
  EXPECT_EQ(doc["packages"][0]["name"], "@scope/a");
}

TEST(SbomStepTest, NeedsALockfile) {
  testing::Scratch dir;
  dir.Write("package.json", R"({"name": "shop"})");
  auto none = BuildProjectSbom(dir.path(), "", SbomFormat::kCycloneDx, Subject());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(none.status().message(),
            "no lockfile: cannot build an SBOM; commit a lockfile or pass --no-sbom");
  auto missing = BuildProjectSbom(dir.path(), "yarn.lock", SbomFormat::kCycloneDx, Subject());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("yarn.lock"), std::string::npos);
}

TEST(SbomStepTest, ReportsMalformedFiles) {
  testing::Scratch dir;
  dir.Write("package.json", R"({"name": "shop"})");
  dir.Write("pnpm-lock.yaml", "lockfileVersion: [\n");
  auto bad_lock = BuildProjectSbom(dir.path(), "pnpm-lock.yaml", SbomFormat::kCycloneDx, Subject());
  ASSERT_FALSE(bad_lock.ok());
  EXPECT_EQ(bad_lock.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(bad_lock.status().message().starts_with("pnpm-lock.yaml: "));
  dir.Write("package.json", "{");
  dir.Write("package-lock.json", kLock);
  auto bad_pkg =
      BuildProjectSbom(dir.path(), "package-lock.json", SbomFormat::kCycloneDx, Subject());
  ASSERT_FALSE(bad_pkg.ok());
  EXPECT_EQ(bad_pkg.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(bad_pkg.status().message().starts_with("package.json: "));
}

}  // namespace
}  // namespace aether::cli
