// Unit tests for manifest.h: canonical serialisation and validation messages.
#include "aether/artifact/manifest.h"

#include <gtest/gtest.h>

namespace aether::artifact {
namespace {

const std::string kHexA(64, 'a');
const std::string kHexB(64, 'b');

Manifest Sample() {
  Manifest m;
  m.app = "my-app";
  m.layers.push_back(Layer{Digest::FromHex(kHexA), 1234, std::string(kLayerMediaType), "deps"});
  m.layers.push_back(Layer{Digest::FromHex(kHexB), 56, std::string(kLayerMediaType), "app"});
  m.command = {"node", "server.js"};
  m.node_version = "20.20.2";
  m.health_path = "/healthz";
  m.platform = {"linux", "x64", "glibc", "115"};
  m.created_by = "aether-cli/0.1.0";
  return m;
}

TEST(ManifestTest, SerializesCanonically) {
  std::string want =
      R"({"app":"my-app","command":["node","server.js"],"created_by":"aether-cli/0.1.0",)"
      R"("health_path":"/healthz","layers":[{"digest":"sha256:)" +
      kHexA +
      R"(","media_type":"application/vnd.aether.layer.v1.tar+zstd","role":"deps","size":1234},)"
      R"({"digest":"sha256:)" +
      kHexB +
      R"(","media_type":"application/vnd.aether.layer.v1.tar+zstd","role":"app","size":56}],)"
      R"("node_version":"20.20.2","platform":{"arch":"x64","libc":"glibc","node_abi":"115",)"
      R"("os":"linux"},"schema_version":1})";
  EXPECT_EQ(SerializeManifest(Sample()), want);
}

TEST(ManifestTest, RoundTrips) {
  std::string bytes = SerializeManifest(Sample());
  auto parsed = ParseManifest(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->app, "my-app");
  ASSERT_EQ(parsed->layers.size(), 2u);
  EXPECT_EQ(parsed->layers[1].digest.hex(), kHexB);
  EXPECT_EQ(parsed->layers[0].size, 1234);
  EXPECT_EQ(parsed->layers[0].role, "deps");
  EXPECT_EQ(parsed->command, (std::vector<std::string>{"node", "server.js"}));
  EXPECT_EQ(parsed->platform.node_abi, "115");
  EXPECT_EQ(SerializeManifest(*parsed), bytes);
}

TEST(ManifestTest, AcceptsOptionalFieldsMissing) {
  auto parsed = ParseManifest(R"({"schema_version":1,"layers":[{"digest":"sha256:)" + kHexA +
                              R"(","size":0}],"command":["node","index.js"]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->layers[0].media_type, kLayerMediaType);
  EXPECT_EQ(parsed->health_path, "");
}

TEST(ManifestTest, FilesAndNativeAddonsSerializeCanonicallyAndRoundTrip) {
  Manifest m = Sample();
  m.layers.pop_back();
  m.layers[0].files = {{"node_modules/a/bin", 0, kModeDirectory, kHexA},
                       {"node_modules/a/index.js", 12, kModeFile, kHexB},
                       {"node_modules/a/link", 8, kModeSymlink, kHexA},
                       {"node_modules/a/x.node", 9000, kModeExecutable, kHexB}};
  m.native_addons = {{"node_modules/b/b.node", "linux", "x64", "musl", false, "115"},
                     {"node_modules/a/x.node", "linux", "x64", "glibc", true, ""}};
  std::string bytes = SerializeManifest(m);
  std::string layer_files =
      R"("files":[{"mode":16877,"path":"node_modules/a/bin","sha256":")" + kHexA +
      R"(","size":0},{"mode":33188,"path":"node_modules/a/index.js","sha256":")" + kHexB +
      R"(","size":12},{"mode":41471,"path":"node_modules/a/link","sha256":")" + kHexA +
      R"(","size":8},{"mode":33261,"path":"node_modules/a/x.node","sha256":")" + kHexB +
      R"(","size":9000}],"media_type")";
  EXPECT_NE(bytes.find(layer_files), std::string::npos) << bytes;
  // Addons come out sorted by path, whatever order they were added in.
  EXPECT_NE(
      bytes.find(R"("native_addons":[{"arch":"x64","libc":"glibc","napi":true,"node_abi":"",)"
                 R"("os":"linux","path":"node_modules/a/x.node"},{"arch":"x64","libc":"musl",)"
                 R"("napi":false,"node_abi":"115","os":"linux","path":"node_modules/b/b.node"}],)"
                 R"("node_version")"),
      std::string::npos)
      << bytes;
  auto parsed = ParseManifest(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->layers[0].files, m.layers[0].files);
  ASSERT_EQ(parsed->native_addons.size(), 2u);
  EXPECT_EQ(parsed->native_addons[0], m.native_addons[1]);
  EXPECT_EQ(SerializeManifest(*parsed), bytes);
}

void ExpectInvalid(const std::string& json, const std::string& needle) {
  auto parsed = ParseManifest(json);
  ASSERT_FALSE(parsed.ok()) << json;
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(needle), std::string::npos)
      << parsed.status().message() << " does not contain " << needle;
}

TEST(ManifestTest, RejectsInvalid) {
  std::string layer = R"({"digest":"sha256:)" + kHexA + R"(","size":1})";
  ExpectInvalid("not json", "manifest: not valid JSON");
  ExpectInvalid("[]", "manifest: must be a JSON object");
  ExpectInvalid(R"({"layers":[)" + layer + R"(],"command":["x"]})", "schema_version: missing");
  ExpectInvalid(R"({"schema_version":2,"layers":[)" + layer + R"(],"command":["x"]})",
                "schema_version: unsupported version 2");
  ExpectInvalid(R"({"schema_version":1,"layers":[],"command":["x"]})",
                "manifest: layers: must name at least one layer");
  ExpectInvalid(R"({"schema_version":1,"layers":[)" + layer +
                    R"(,{"digest":"md5:x","size":1}],"command":["x"]})",
                "manifest: layers[1].digest: invalid digest 'md5:x'");
  ExpectInvalid(R"({"schema_version":1,"layers":[{"digest":"sha256:)" + kHexA +
                    R"(","size":-1}],"command":["x"]})",
                "layers[0].size: must be a non-negative integer");
  ExpectInvalid(R"({"schema_version":1,"layers":[{"size":1}],"command":["x"]})",
                "layers[0].digest: missing");
  ExpectInvalid(R"({"schema_version":1,"layers":[{"digest":"sha256:)" + kHexA +
                    R"(","size":1,"media_type":"x"}],"command":["x"]})",
                "layers[0].media_type: unsupported media type 'x'");
  ExpectInvalid(R"({"schema_version":1,"layers":[)" + layer + R"(],"command":[]})",
                "command: must not be empty");
  ExpectInvalid(R"({"schema_version":1,"layers":[)" + layer + R"(],"command":["x",3]})",
                "command[1]: must be a string");
  ExpectInvalid(
      R"({"schema_version":1,"layers":[)" + layer + R"(],"command":["x"],"health_path":"healthz"})",
      "health_path: must start with '/'");
  ExpectInvalid(
      R"({"schema_version":1,"layers":[)" + layer + R"(],"command":["x"],"platform":{"os":1}})",
      "platform.os: must be a string");
}

TEST(ManifestTest, RejectsInvalidFileEntriesAndAddons) {
  auto with_files = [](const std::string& files) {
    return R"({"schema_version":1,"command":["x"],"layers":[{"digest":"sha256:)" + kHexA +
           R"(","size":1,"files":)" + files + "}]}";
  };
  auto file = [](const std::string& path, const std::string& rest = "") {
    return R"({"path":")" + path + R"(","size":1,"mode":33188,"sha256":")" + kHexA + "\"" + rest +
           "}";
  };
  ExpectInvalid(with_files("{}"), "layers[0].files: must be an array");
  for (const char* bad : {"/abs", "a/../b", "a//b", "a/", "./a", ".."}) {
    ExpectInvalid(with_files("[" + file(bad) + "]"),
                  "layers[0].files[0].path: not a clean relative path");
  }
  ExpectInvalid(with_files("[" + file("b") + "," + file("a") + "]"),
                "layers[0].files[1].path: not in ascending order or repeated");
  ExpectInvalid(with_files("[" + file("a") + "," + file("a") + "]"), "not in ascending order");
  ExpectInvalid(with_files(R"([{"path":"a","size":-1,"mode":33188,"sha256":")" + kHexA + "\"}]"),
                "layers[0].files[0].size: must be a non-negative integer");
  ExpectInvalid(with_files(R"([{"path":"a","size":1,"mode":420,"sha256":")" + kHexA + "\"}]"),
                "layers[0].files[0].mode: unsupported mode 420");
  ExpectInvalid(with_files(R"([{"path":"a","size":1,"sha256":")" + kHexA + "\"}]"),
                "layers[0].files[0].mode: missing");
  ExpectInvalid(with_files(R"([{"path":"a","size":1,"mode":33188,"sha256":")" +
                           std::string(64, 'A') + "\"}]"),
                "layers[0].files[0].sha256: must be 64 lowercase hex digits");
  ExpectInvalid(with_files(R"([{"path":"a","size":1,"mode":33188,"sha256":"abc"}])"),
                "layers[0].files[0].sha256: must be 64 lowercase hex digits");
  ExpectInvalid(with_files(R"([{"path":"a","size":1,"mode":33188}])"),
                "layers[0].files[0].sha256: missing");

  std::string base = R"({"schema_version":1,"command":["x"],"layers":[{"digest":"sha256:)" + kHexA +
                     R"(","size":1}],"native_addons":)";
  ExpectInvalid(base + R"([{"path":"../x.node"}]})",
                "native_addons[0].path: not a clean relative path");
  ExpectInvalid(base + R"([{"path":"b.node"},{"path":"a.node"}]})",
                "native_addons[1].path: not in ascending order");
  ExpectInvalid(base + R"([{"path":"a.node","napi":"yes"}]})",
                "native_addons[0].napi: must be a boolean");
  ExpectInvalid(base + R"({}})", "native_addons: must be an array");
}

}  // namespace
}  // namespace aether::artifact
