// Unit tests for sbom.h: the CycloneDX 1.5 document's shape, purls and hashes, the legacy
// format and the control plane's CheckSbom. Schema validation against the official CycloneDX
// schema runs in test/sbom (ctest sbom_cyclonedx).
#include "aether/artifact/sbom.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace aether::artifact {
namespace {

using nlohmann::json;

const std::string kHex(64, 'c');
const std::string kDigest = "sha256:" + kHex;
const char kSriA[] =
    "sha512-H0D8ktokFpR1CXnubPWC8tXX0o4YM13gWrxU0FYOD1MChgxlK/CNVgJSql50IQVG82n7u86MEs/"
    "HlXsmUv6adQ==";
const char kHexA[] =
    "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e742105"
    "46f369fbbbce8c12cfc7957b2652fe9a75";
const char kSriB[] =
    "sha512-Umd2iCLuYk1I/"
    "OFexcp5y9YCy39MIVelFlVpkfIu+Me173sY0f9BxZNw77CFhlHUSpNsEbexRMSP4E3zxqPo2g==";
const char kSha1A[] = "sha1-hvfkN/qlp/zhXR3cuerq6jd2Z7g=";

LockGraph SampleGraph() {
  LockGraph g;
  g.lockfile = "package-lock.json";
  g.root_dependencies = {"node_modules/@scope/a", "node_modules/b", "node_modules/jest"};
  g.packages = {
      {"node_modules/@scope/a",
       "@scope/a",
       "1.0.0",
       std::string(kSriA) + " " + kSha1A,
       "https://registry.npmjs.org/@scope/a/-/a-1.0.0.tgz",
       false,
       false,
       {"node_modules/@scope/a/node_modules/b", "node_modules/c"}},
      {"node_modules/@scope/a/node_modules/b",
       "b",
       "1.0.0",
       kSriB,
       "",
       false,
       false,
       {"node_modules/c"}},
      {"node_modules/b", "b", "2.0.0", "", "", false, false, {"node_modules/opt"}},
      {"node_modules/c", "c", "1.0.0", "sha512-not-valid", "", false, false, {}},
      {"node_modules/jest", "jest", "29.0.0", "", "", true, false, {"node_modules/c"}},
      {"node_modules/opt", "opt", "1.0.0", "", "", false, true, {}},
      {"node_modules/x/node_modules/b", "b", "1.0.0", kSriB, "", false, false, {"node_modules/c"}},
  };
  return g;
}

SbomSubject Subject(std::string digest = kDigest) {
  return {"my-app", "my-app", "1.2.3", std::move(digest), "0.1.0"};
}

TEST(CycloneDxTest, HasTheDocumentShape) {
  json bom = json::parse(CycloneDxSbom(SampleGraph(), Subject()));
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.5");
  EXPECT_EQ(bom["version"], 1);
  std::regex uuid("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(bom["serialNumber"].get<std::string>(), uuid))
      << bom["serialNumber"];
  std::regex time("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$");
  EXPECT_TRUE(std::regex_match(bom["metadata"]["timestamp"].get<std::string>(), time));
  EXPECT_EQ(bom["metadata"]["tools"]["components"],
            json::parse(R"([{"type":"application","name":"aether-cli","version":"0.1.0"}])"));
  const json& root = bom["metadata"]["component"];
  EXPECT_EQ(root["type"], "application");
  EXPECT_EQ(root["name"], "my-app");
  EXPECT_EQ(root["version"], "1.2.3");
  EXPECT_EQ(root["bom-ref"], "pkg:npm/my-app@1.2.3");
  EXPECT_EQ(root["hashes"], json::parse(R"([{"alg":"SHA-256","content":")" + kHex + R"("}])"));
  EXPECT_EQ(root["properties"][0],
            json::parse(R"({"name":"aether:artifact-digest","value":")" + kDigest + R"("})"));
}

TEST(CycloneDxTest, ListsProductionPackagesOncePerNameAndVersion) {
  json bom = json::parse(CycloneDxSbom(SampleGraph(), Subject()));
  std::vector<std::string> refs;
  for (const json& c : bom["components"]) refs.push_back(c["bom-ref"]);
  EXPECT_EQ(refs, (std::vector<std::string>{"pkg:npm/%40scope/a@1.0.0", "pkg:npm/b@1.0.0",
                                            "pkg:npm/b@2.0.0", "pkg:npm/c@1.0.0",
                                            "pkg:npm/opt@1.0.0"}));  // jest is dev
  const json& a = bom["components"][0];
  EXPECT_EQ(a["type"], "library");
  EXPECT_EQ(a["group"], "@scope");
  EXPECT_EQ(a["name"], "a");
  EXPECT_EQ(a["version"], "1.0.0");
  EXPECT_EQ(a["purl"], "pkg:npm/%40scope/a@1.0.0");
  EXPECT_EQ(a["hashes"], json::parse(std::string(R"([{"alg":"SHA-512","content":")") + kHexA +
                                     R"("},{"alg":"SHA-1","content":")" +
                                     "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8" + R"("}])"));
  EXPECT_EQ(a["externalReferences"],
            json::parse(R"([{"type":"distribution",)"
                        R"("url":"https://registry.npmjs.org/@scope/a/-/a-1.0.0.tgz"}])"));
  EXPECT_FALSE(bom["components"][1].contains("group"));
  EXPECT_FALSE(bom["components"][3].contains("hashes"));  // an undecodable SRI is left out
  EXPECT_EQ(bom["components"][4]["scope"], "optional");
  EXPECT_FALSE(bom["components"][3].contains("scope"));
}

TEST(CycloneDxTest, RecordsTheDependencyGraphByPurl) {
  json bom = json::parse(CycloneDxSbom(SampleGraph(), Subject()));
  json want = json::parse(R"([
    {"ref": "pkg:npm/my-app@1.2.3", "dependsOn": ["pkg:npm/%40scope/a@1.0.0", "pkg:npm/b@2.0.0"]},
    {"ref": "pkg:npm/%40scope/a@1.0.0", "dependsOn": ["pkg:npm/b@1.0.0", "pkg:npm/c@1.0.0"]},
    {"ref": "pkg:npm/b@1.0.0", "dependsOn": ["pkg:npm/c@1.0.0"]},
    {"ref": "pkg:npm/b@2.0.0", "dependsOn": ["pkg:npm/opt@1.0.0"]},
    {"ref": "pkg:npm/c@1.0.0", "dependsOn": []},
    {"ref": "pkg:npm/opt@1.0.0", "dependsOn": []}])");
  EXPECT_EQ(bom["dependencies"], want);
}

TEST(CycloneDxTest, IsDeterministicApartFromSerialAndTime) {
  json a = json::parse(CycloneDxSbom(SampleGraph(), Subject()));
  json b = json::parse(CycloneDxSbom(SampleGraph(), Subject()));
  EXPECT_NE(a["serialNumber"], b["serialNumber"]);
  for (json* j : {&a, &b}) {
    j->erase("serialNumber");
    (*j)["metadata"].erase("timestamp");
  }
  EXPECT_EQ(a, b);
}

TEST(CycloneDxTest, OmitsTheDigestWhenNotKnown) {
  json bom = json::parse(CycloneDxSbom(SampleGraph(), Subject("")));
  const json& root = bom["metadata"]["component"];
  EXPECT_FALSE(root.contains("hashes"));
  EXPECT_EQ(root["properties"],
            json::parse(R"([{"name":"aether:lockfile","value":"package-lock.json"}])"));
}

TEST(PurlTest, EncodesPerThePurlSpec) {
  EXPECT_EQ(NpmPurl("express", "4.21.2"), "pkg:npm/express@4.21.2");
  EXPECT_EQ(NpmPurl("@Scope/Name", "1.0.0"), "pkg:npm/%40scope/name@1.0.0");
  EXPECT_EQ(NpmPurl("pkg", "1.0.0+build.5"), "pkg:npm/pkg@1.0.0%2Bbuild.5");
  EXPECT_EQ(NpmPurl("pkg", ""), "pkg:npm/pkg");
}

TEST(LegacySbomTest, ListsPackagesSorted) {
  EXPECT_EQ(LegacySbom(SampleGraph(), Subject()),
            R"({"app":"my-app","artifact":")" + kDigest +
                R"(","format":"aether-sbom/v1","lockfile":"package-lock.json","packages":[)"
                R"({"integrity":")" +
                std::string(kSriA) + " " + kSha1A +
                R"(","name":"@scope/a","version":"1.0.0"},)"
                R"({"integrity":")" +
                kSriB +
                R"(","name":"b","version":"1.0.0"},)"
                R"({"integrity":"","name":"b","version":"2.0.0"},)"
                R"({"integrity":"sha512-not-valid","name":"c","version":"1.0.0"},)"
                R"({"integrity":"","name":"opt","version":"1.0.0"}]})");
}

TEST(CheckSbomTest, AcceptsAnSbomNamingTheArtifact) {
  Digest artifact = Digest::Parse(kDigest).value();
  EXPECT_TRUE(CheckSbom(CycloneDxSbom(SampleGraph(), Subject()), artifact).ok());
  EXPECT_TRUE(CheckSbom(LegacySbom(SampleGraph(), Subject()), artifact).ok());
  // Hash content in upper case is the same digest.
  std::string upper(64, 'C');
  EXPECT_TRUE(
      CheckSbom(R"({"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":)"
                R"({"type":"application","name":"x","hashes":[{"alg":"SHA-256","content":")" +
                    upper + R"("}]}}})",
                artifact)
          .ok());
}

TEST(CheckSbomTest, RejectsAnSbomOfAnotherArtifact) {
  Digest artifact = Digest::FromHex(std::string(64, 'd'));
  for (const std::string& sbom :
       {CycloneDxSbom(SampleGraph(), Subject()), LegacySbom(SampleGraph(), Subject())}) {
    Status s = CheckSbom(sbom, artifact);
    EXPECT_EQ(s.code(), ErrorCode::kSbomInvalid);
    EXPECT_EQ(s.message(), "SBOM names " + kDigest + ", not " + artifact.str());
  }
  // A document naming two different digests is about neither.
  json bom = json::parse(CycloneDxSbom(SampleGraph(), Subject()));
  bom["metadata"]["component"]["properties"][0]["value"] = artifact.str();
  EXPECT_EQ(CheckSbom(bom.dump(), artifact).code(), ErrorCode::kSbomInvalid);
}

TEST(CheckSbomTest, RejectsWhatIsNotAnSbom) {
  Digest artifact = Digest::Parse(kDigest).value();
  for (const char* text : {"", "not json", "[]", R"({"format":"other"})",
                           R"({"bomFormat":"SPDX","specVersion":"1.5"})"}) {
    Status s = CheckSbom(text, artifact);
    EXPECT_EQ(s.code(), ErrorCode::kSbomInvalid) << text;
    EXPECT_EQ(s.message(), "SBOM is not CycloneDX 1.5 or aether-sbom/v1 JSON") << text;
  }
  Status old = CheckSbom(R"({"bomFormat":"CycloneDX","specVersion":"1.4"})", artifact);
  EXPECT_EQ(old.code(), ErrorCode::kSbomInvalid);
  EXPECT_NE(old.message().find("'1.4'"), std::string::npos);
  Status none = CheckSbom(CycloneDxSbom(SampleGraph(), Subject("")), artifact);
  EXPECT_EQ(none.code(), ErrorCode::kSbomInvalid);
  EXPECT_EQ(none.message(), "SBOM names no artifact digest (want " + kDigest + ")");
  EXPECT_EQ(CheckSbom(LegacySbom(SampleGraph(), Subject("")), artifact).code(),
            ErrorCode::kSbomInvalid);
}

}  // namespace
}  // namespace aether::artifact
