// The deploy pipeline against an in-memory fake of the aetherd API (no network): app
// creation, upload of missing layers only, manifest contents, rollout success and failure.
#include "aether/cli/deploy.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "aether/artifact/provenance.h"
#include "aether/artifact/sbom.h"
#include "aether/artifact/signature.h"
#include "aether/cli/deps_layer.h"
#include "aether/cli/keys.h"
#include "aether/cli/test_util.h"
#include "aether/crypto/crypto.h"
#include "aether/crypto/ed25519.h"

namespace aether::cli {
namespace {

using nlohmann::json;
using testing::FakeHttp;
using testing::JsonReply;
using testing::Scratch;

Result<http::Response> Envelope(int status, const std::string& code, const std::string& msg) {
  return JsonReply(status, json{{"code", code}, {"message", msg}}.dump());
}

// Just enough of aetherd's API for one deploy.
struct FakeServer {
  std::set<std::string> apps;
  std::map<std::string, std::string> blobs, staged;
  std::vector<std::string> manifests;
  std::vector<json> registrations;  // the whole registration bodies
  std::string final_status = "running";
  std::string reason;
  int polls = 0;
  int puts = 0;

  Result<http::Response> Handle(const http::ClientRequest& req) {
    std::string path = req.url.substr(std::string("http://srv").size());
    auto body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (req.method == "GET" && path.starts_with("/apps/")) {
      std::string app = path.substr(6);
      if (!apps.count(app)) return Envelope(404, "not_found", "app '" + app + "' does not exist");
      return JsonReply(200, json{{"name", app}}.dump());
    }
    if (req.method == "POST" && path == "/apps") {
      apps.insert(body["name"].get<std::string>());
      return JsonReply(201, json{{"name", body["name"]}}.dump());
    }
    if (path == "/artifacts/missing") {
      json missing = json::array();
      for (const auto& d : body["digests"]) {
        if (!blobs.count(d.get<std::string>())) missing.push_back(d);
      }
      return JsonReply(200, json{{"missing", missing}}.dump());
    }
    if (path == "/artifacts/presign") {
      std::string url = "/blobs/" + body["digest"].get<std::string>() + "?signature=x";
      return JsonReply(200, json{{"method", "PUT"}, {"url", url}}.dump());
    }
    if (req.method == "PUT" && path.starts_with("/blobs/")) {
      EXPECT_EQ(req.headers.count("Authorization"), 0u);
      std::ifstream in(req.upload_file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      staged[path.substr(7, path.find('?') - 7)] = ss.str();
      ++puts;
      return JsonReply(201, "{}");
    }
    if (path == "/artifacts/complete") {
      std::string d = body["digest"];
      if (!staged.count(d)) return Envelope(404, "not_found", "nothing staged");
      if ("sha256:" + crypto::Sha256Hex(staged[d]) != d) {
        return Envelope(422, "digest_mismatch", "bytes do not match " + d);
      }
      blobs[d] = staged[d];
      return JsonReply(200, "{}");
    }
    if (req.method == "POST" && path.ends_with("/artifacts")) {
      json envelope = json::parse(req.body);
      manifests.push_back(envelope["manifest"].get<std::string>());
      registrations.push_back(envelope);
      return JsonReply(201, json{{"digest", "sha256:" + crypto::Sha256Hex(manifests.back())},
                                 {"verified", envelope.contains("signature")}}
                                .dump());
    }
    if (path == "/deployments") {
      return JsonReply(202, json{{"id", "dep_1"},
                                 {"app", body["app"]},
                                 {"status", "pending"},
                                 {"url", "http://x.localhost:7080/"}}
                                .dump());
    }
    if (path == "/deployments/dep_1") {
      std::string status = ++polls < 3 ? "deploying" : final_status;
      return JsonReply(200, json{{"id", "dep_1"},
                                 {"status", status},
                                 {"reason", reason},
                                 {"url", "http://x.localhost:7080/"},
                                 {"phases", {{{"name", "fetch"}, {"ms", 2}}}}}
                                .dump());
    }
    return Envelope(404, "not_found", "no route " + path);
  }
};

class DeployTest : public ::testing::Test {
 protected:
  DeployTest() : http_([this](const http::ClientRequest& r) { return server_.Handle(r); }) {
    scratch_.Write("app/package.json",
                   R"({"name":"sample-node","scripts":{"start":"node server.js"},
                       "engines":{"node":">=18"}})");
    scratch_.Write("app/server.js", "require('http').createServer().listen(process.env.PORT)");
    scratch_.Write("app/node_modules/dev-only/index.js", "ignored");
    options_.dir = scratch_ / "app";
    options_.cache_dir = scratch_ / "cache";
    options_.poll_interval = std::chrono::milliseconds(1);
  }

  Outcome Deploy(bool json_output = false) {
    Output out(json_output, true);
    ApiClient api(http_, "http://srv", "tok");
    return RunDeploy(&api, out, options_);
  }

  Scratch scratch_;
  FakeServer server_;
  FakeHttp http_;
  DeployOptions options_;
};

TEST_F(DeployTest, FirstDeployCreatesTheAppAndUploadsTheLayer) {
  ::testing::internal::CaptureStdout();
  Outcome o = Deploy(/*json_output=*/true);
  std::string stdout_text = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(o.ok()) << o.status.ToString();
  EXPECT_TRUE(server_.apps.count("sample-node"));
  EXPECT_EQ(server_.puts, 1);
  ASSERT_EQ(server_.manifests.size(), 1u);
  auto m = artifact::ParseManifest(server_.manifests[0]);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->app, "sample-node");
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].role, "app");
  EXPECT_EQ(m->command, (std::vector<std::string>{"node", "server.js"}));
  EXPECT_EQ(m->created_by, "aether-cli/0.1.0");
  EXPECT_EQ(m->platform.os, "linux");
  EXPECT_FALSE(m->platform.arch.empty());

  auto report = json::parse(stdout_text);
  EXPECT_EQ(report["status"], "running");
  EXPECT_EQ(report["deployment"], "dep_1");
  EXPECT_EQ(report["url"], "http://x.localhost:7080/");
  EXPECT_EQ(report["uploaded_layers"], 1);
  EXPECT_EQ(report["skipped_layers"], 0);
  EXPECT_EQ(report["created_app"], true);
  EXPECT_EQ(report["artifact"], "sha256:" + crypto::Sha256Hex(server_.manifests[0]));
  for (const char* k : {"detect", "deps", "pack", "upload", "register", "rollout", "total"}) {
    EXPECT_TRUE(report["timings"].contains(k)) << k;
  }
  EXPECT_EQ(report["server_phases"][0]["name"], "fetch");
}

TEST_F(DeployTest, RedeployOfTheSameTreeUploadsNothing) {
  ASSERT_TRUE(Deploy().ok());
  server_.polls = 0;
  ASSERT_TRUE(Deploy().ok());
  EXPECT_EQ(server_.puts, 1);
  ASSERT_EQ(server_.manifests.size(), 2u);
  EXPECT_EQ(server_.manifests[0], server_.manifests[1]);  // deterministic artifact
}

TEST_F(DeployTest, FailedRolloutIsDeployFailed) {
  server_.final_status = "failed";
  server_.reason = "process exited with code 1 before ready";
  Outcome o = Deploy();
  EXPECT_EQ(o.status.code(), ErrorCode::kDeployFailed);
  EXPECT_EQ(o.status.message(), "deploy failed: process exited with code 1 before ready");
  EXPECT_EQ(ExitCodeFor(o), 6);
}

TEST_F(DeployTest, NoWaitReturnsAfterCreatingTheDeployment) {
  options_.wait = false;
  ASSERT_TRUE(Deploy().ok());
  EXPECT_EQ(server_.polls, 0);
}

TEST_F(DeployTest, MissingPackageJsonIsExitThree) {
  options_.dir = scratch_.path();
  Outcome o = Deploy();
  EXPECT_EQ(ExitCodeFor(o), 3);
  EXPECT_TRUE(server_.manifests.empty());
}

TEST_F(DeployTest, BadAppFlagIsUsage) {
  options_.app = "Not_Valid";
  EXPECT_EQ(ExitCodeFor(Deploy()), 2);
}

TEST_F(DeployTest, DepsLayerComesFirstFromTheCache) {
  scratch_.Write("app/package.json", R"({"name":"sample-node","main":"server.js",
    "dependencies":{"left-pad":"1.3.0"}})");
  const std::string lock =
      R"({"lockfileVersion":3,"packages":{"":{},"node_modules/left-pad":{"version":"1.3.0"}}})";
  scratch_.Write("app/package-lock.json", lock);
  // Pre-seed the cache entry the pipeline will look for (no npm run, no network).
  auto node = ProbeLocalNode(options_.cache_dir);
  ASSERT_TRUE(node.ok());
  HostPlatform platform = DetectHostPlatform();
  DepsKeyInput in{lock,
                  R"({"left-pad":"1.3.0"})",
                  node->major,
                  platform.os,
                  platform.arch,
                  platform.libc,
                  "npm ci --omit=dev --no-audit --no-fund --prefer-offline --loglevel=error"};
  std::string key = DepsCacheKey(in);
  std::string blob = "pretend tar.zst";
  std::string digest = "sha256:" + crypto::Sha256Hex(blob);
  scratch_.Write("cache/deps/" + key + ".tar.zst", blob);
  scratch_.Write(
      "cache/deps/" + key + ".json",
      json{{"digest", digest}, {"size", blob.size()}, {"files", 1}, {"raw_bytes", 1}}.dump());
  Outcome o = Deploy();
  ASSERT_TRUE(o.ok()) << o.status.ToString();
  auto m = artifact::ParseManifest(server_.manifests.at(0));
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].role, "deps");
  EXPECT_EQ(m->layers[0].digest.str(), digest);
  EXPECT_EQ(m->layers[1].role, "app");
  EXPECT_EQ(server_.blobs.at(digest), blob);
}

TEST_F(DeployTest, ServerRejectionIsExitFive) {
  server_.apps.insert("sample-node");
  FakeHttp rejecting([](const http::ClientRequest& r) -> Result<http::Response> {
    if (r.url.ends_with("/artifacts/missing")) return Envelope(500, "internal", "disk full");
    return JsonReply(200, R"({"name":"sample-node"})");
  });
  Output out(false, true);
  ApiClient api(rejecting, "http://srv", "tok");
  Outcome o = RunDeploy(&api, out, options_);
  EXPECT_EQ(o.status.message(), "disk full");
  EXPECT_EQ(ExitCodeFor(o), 5);
}

TEST_F(DeployTest, SignedDeploySendsSbomSignatureAndProvenanceForTheDigest) {
  auto key = GenerateKeyFiles(scratch_ / "keys/k.key", false);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  options_.evidence.sign_key = key->private_path;
  ::testing::internal::CaptureStdout();
  Outcome o = Deploy(/*json_output=*/true);
  auto report = json::parse(::testing::internal::GetCapturedStdout());
  ASSERT_TRUE(o.ok()) << o.status.ToString();
  ASSERT_EQ(server_.registrations.size(), 1u);
  const json& sent = server_.registrations[0];
  Digest digest = crypto::Sha256Digest(server_.manifests[0]);

  auto sig = artifact::ParseSignature(sent["signature"].dump());
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(artifact::VerifyArtifactSignature(*sig, digest, key->public_pem).ok());
  EXPECT_TRUE(artifact::CheckSbom(sent["sbom"].dump(), digest).ok());
  EXPECT_EQ(sent["sbom"]["specVersion"], "1.5");
  EXPECT_TRUE(artifact::VerifyProvenance(sent["provenance"].dump(), digest, key->public_pem).ok());

  EXPECT_EQ(report["signed_by"], key->keyid);
  EXPECT_EQ(report["verified"], true);
  for (const char* k : {"manifest_path", "sbom", "signature", "provenance"}) {
    std::string path = report[k];
    EXPECT_TRUE(std::ifstream(path).good()) << k << ": " << path;
  }
  for (const char* k : {"hash", "sbom", "sign", "provenance"}) {
    EXPECT_TRUE(report["timings"].contains(k)) << k;
  }
  EXPECT_EQ(report["manifest"]["app"], "sample-node");
  EXPECT_EQ(report["layers"][0]["role"], "app");
}

TEST_F(DeployTest, UnsignedDeploySendsTheSbomOnlyAndLegacyFormatOnRequest) {
  options_.evidence.legacy_sbom = true;
  ASSERT_TRUE(Deploy().ok());
  const json& sent = server_.registrations.at(0);
  EXPECT_FALSE(sent.contains("signature"));
  EXPECT_FALSE(sent.contains("provenance"));
  EXPECT_EQ(sent["sbom"]["format"], "aether-sbom/v1");
  options_.evidence.sbom = false;
  ASSERT_TRUE(Deploy().ok());
  EXPECT_FALSE(server_.registrations.at(1).contains("sbom"));
}

TEST_F(DeployTest, DryRunPacksAndSignsButSendsNothing) {
  auto key = GenerateKeyFiles(scratch_ / "keys/k.key", false);
  ASSERT_TRUE(key.ok());
  options_.evidence.sign_key = key->private_path;
  options_.dry_run = true;
  Output out(/*json=*/true, true);
  ::testing::internal::CaptureStdout();
  Outcome o = RunDeploy(nullptr, out, options_);
  auto report = json::parse(::testing::internal::GetCapturedStdout());
  ASSERT_TRUE(o.ok()) << o.status.ToString();
  EXPECT_EQ(report["dry_run"], true);
  EXPECT_FALSE(report.contains("deployment"));
  std::string layer = report["layers"][0]["path"];
  EXPECT_TRUE(std::ifstream(layer).good()) << "the packed app layer is kept: " << layer;
  EXPECT_TRUE(std::ifstream(report["signature"].get<std::string>()).good());
  EXPECT_EQ(server_.puts, 0);
}

TEST_F(DeployTest, WorldReadableKeyIsRefusedBeforeAnyUpload) {
  auto key = GenerateKeyFiles(scratch_ / "keys/k.key", false);
  ASSERT_TRUE(key.ok());
  ASSERT_EQ(::chmod(key->private_path.c_str(), 0644), 0);
  options_.evidence.sign_key = key->private_path;
  Outcome o = Deploy();
  EXPECT_EQ(ExitCodeFor(o), 3);
  EXPECT_NE(o.status.message().find("chmod 600"), std::string::npos) << o.status.message();
  EXPECT_EQ(server_.puts, 0);
}

TEST_F(DeployTest, ServerRefusalOfTheSignatureIsExitEight) {
  FakeHttp refusing([this](const http::ClientRequest& r) -> Result<http::Response> {
    if (r.method == "POST" && r.url.ends_with("/artifacts")) {
      return Envelope(422, "signature_required", "this server requires signed artifacts");
    }
    return server_.Handle(r);
  });
  Output out(false, true);
  ApiClient api(refusing, "http://srv", "tok");
  Outcome o = RunDeploy(&api, out, options_);
  EXPECT_EQ(o.status.code(), ErrorCode::kSignatureRequired);
  EXPECT_EQ(ExitCodeFor(o), 8);
}

}  // namespace
}  // namespace aether::cli
