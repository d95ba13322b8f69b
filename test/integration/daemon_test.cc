// Integration suite: the whole aetherd (SQLite, fs blobs, local runtime, real agent) started
// in-process on port 0, driven over real HTTP. Deploys examples/sample-node from source.
#include "aetherd/daemon.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "aether/artifact/manifest.h"
#include "aether/artifact/pack.h"
#include "aether/crypto/crypto.h"
#include "aether/http/client.h"

namespace aether {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A plain (uncompressed) ustar archive holding `files`, names taken verbatim: lets a test build
// the hostile layers a well-behaved packer never writes.
std::string MakeTar(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out;
  for (const auto& [name, data] : files) {
    std::string h(512, '\0');
    std::snprintf(h.data(), 100, "%s", name.c_str());
    std::snprintf(h.data() + 100, 8, "%07o", 0644);
    std::snprintf(h.data() + 108, 8, "%07o", 0);
    std::snprintf(h.data() + 116, 8, "%07o", 0);
    std::snprintf(h.data() + 124, 12, "%011o", static_cast<unsigned>(data.size()));
    std::snprintf(h.data() + 136, 12, "%011o", 0);
    h[156] = '0';
    std::memcpy(h.data() + 257, "ustar\00000", 8);
    std::memset(h.data() + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h.data() + 148, 8, "%06o", sum);
    out += h + data + std::string((512 - data.size() % 512) % 512, '\0');
  }
  return out + std::string(1024, '\0');
}

class DaemonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/aetherd-it-" + std::to_string(getpid()));
    fs::remove_all(*dir_);
    DaemonOptions o;
    o.data_dir = *dir_ + "/data";
    o.port = 0;
    o.router_port = 0;
    o.agent_path = AETHER_AGENT_BIN;
    o.ready_timeout = std::chrono::seconds(20);
    o.stop_grace = std::chrono::seconds(3);
    auto d = Daemon::Start(o);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    daemon_ = std::move(d).value().release();
    std::ifstream in(daemon_->admin_token_file());
    token_ = new std::string;
    std::getline(in, *token_);
  }
  static void TearDownTestSuite() {
    delete daemon_;
    fs::remove_all(*dir_);
    delete dir_;
    delete token_;
  }

  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& body = "", const std::string& token = *token_) {
    http::ClientRequest req;
    req.method = method;
    req.url = path.starts_with("http") ? path : daemon_->api_url() + path;
    req.body = body;
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    if (!body.empty()) req.headers["Content-Type"] = "application/json";
    auto res = client_->Send(req);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? std::move(res).value() : http::Response{};
  }

  static json Json(const http::Response& r) { return json::parse(r.body, nullptr, false); }

  // Uploads a file through missing → presign → PUT → complete; returns its digest.
  std::string UploadFile(const std::string& path) {
    long long size = 0;
    std::string digest = crypto::Sha256File(path, &size)->str();
    auto missing = Json(Call("POST", "/artifacts/missing", json{{"digests", {digest}}}.dump()));
    if (missing["missing"].empty()) return digest;
    auto url =
        Json(Call("POST", "/artifacts/presign", json{{"digest", digest}, {"size", size}}.dump()));
    http::ClientRequest put;
    put.method = "PUT";
    put.url = url["url"];
    put.upload_file = path;
    EXPECT_EQ(client_->Send(put)->status, 201);
    EXPECT_EQ(
        Call("POST", "/artifacts/complete", json{{"digest", digest}, {"size", size}}.dump()).status,
        200);
    auto head = Call("HEAD", "/artifacts/" + digest);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers["Content-Length"], std::to_string(size));
    return digest;
  }

  // Packs examples/sample-node (with version.json replaced by `version`) and registers it.
  std::string RegisterSample(const std::string& app, const std::string& version) {
    std::string src = *dir_ + "/src-" + version;
    fs::remove_all(src);
    fs::copy(std::string(AETHER_SOURCE_DIR) + "/examples/sample-node", src,
             fs::copy_options::recursive);
    std::ofstream(src + "/version.json") << "{\"version\":\"" << version << "\"}";
    auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    return RegisterLayer(app, layer->path, "/ready");
  }

  // Uploads the layer file at `path` and registers a one-layer `node index.js` manifest for
  // `app`; returns the artifact digest.
  std::string RegisterLayer(const std::string& app, const std::string& path,
                            const std::string& health_path = "") {
    std::string digest = UploadFile(path);
    artifact::Manifest m;
    m.app = app;
    m.layers.push_back({*Digest::Parse(digest), static_cast<long long>(fs::file_size(path)),
                        std::string(artifact::kLayerMediaType), "app"});
    m.command = {"node", "index.js"};
    m.health_path = health_path;
    auto res = Call("POST", "/apps/" + app + "/artifacts", artifact::SerializeManifest(m));
    EXPECT_EQ(res.status, 201) << res.body;
    return Json(res)["digest"];
  }

  // Starts a deployment of `artifact` and waits until it has finished rolling out.
  json Deploy(const std::string& app, const std::string& artifact) {
    auto created = Call("POST", "/deployments", json{{"app", app}, {"artifact", artifact}}.dump());
    EXPECT_EQ(created.status, 202) << created.body;
    return WaitDeployment(Json(created)["id"]);
  }

  json WaitDeployment(const std::string& id) {
    for (int i = 0; i < 600; ++i) {
      auto d = Json(Call("GET", "/deployments/" + id));
      if (d["status"] != "pending" && d["status"] != "deploying") return d;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return json{{"status", "timeout"}};
  }

  // GET through the router with an <app>.localhost Host header.
  http::Response ViaRouter(const std::string& url, const std::string& app) {
    std::string port = url.substr(url.rfind(':') + 1);
    port.pop_back();
    http::ClientRequest req;
    req.url = "http://127.0.0.1:" + port + "/";
    req.headers["Host"] = app + ".localhost:" + port;
    auto res = client_->Send(req);
    return res.ok() ? std::move(res).value() : http::Response{599, {}, res.status().message(), {}};
  }

  static inline Daemon* daemon_ = nullptr;
  static inline std::string* dir_ = nullptr;
  static inline std::string* token_ = nullptr;
  std::unique_ptr<http::Client> client_ = http::NewClient();
};

TEST_F(DaemonTest, HealthIsPublicEverythingElseNeedsAToken) {
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200);
  EXPECT_EQ(Call("GET", "/readyz", "", "").status, 200);
  auto missing = Call("GET", "/apps", "", "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(Json(missing)["code"], "unauthenticated");
  auto wrong = Call("GET", "/apps", "", "ae_wrong");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Json(wrong)["code"], "unauthenticated");
  EXPECT_EQ(Call("GET", "/apps").status, 200);
  std::ifstream agent_in(*dir_ + "/data/agent.token");
  std::string agent_token;
  std::getline(agent_in, agent_token);
  auto denied = Call("GET", "/apps", "", agent_token);
  EXPECT_EQ(denied.status, 403) << "the agents' pull token may only read artifacts";
  EXPECT_EQ(Json(denied)["code"], "permission_denied");
  EXPECT_EQ(Call("GET", "/artifacts/" + crypto::Sha256Digest("none").str(), "", agent_token).status,
            404);
  auto no_route = Call("GET", "/nope");
  EXPECT_EQ(no_route.status, 404);
  EXPECT_EQ(Json(no_route)["code"], "not_found");
}

TEST_F(DaemonTest, AppsCrudAndBadInput) {
  EXPECT_EQ(Call("POST", "/apps", R"({"name":"crud"})").status, 201);
  auto dup = Call("POST", "/apps", R"({"name":"crud"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(Json(dup)["code"], "already_exists");
  auto bad_json = Call("POST", "/apps", R"({"name":)");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(Json(bad_json)["code"], "invalid_argument");
  EXPECT_EQ(Call("POST", "/apps", R"({"name":"Bad Name"})").status, 400);
  EXPECT_EQ(Call("GET", "/apps/crud").status, 200);
  auto unknown = Call("GET", "/apps/ghost");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json(unknown)["code"], "not_found");
  EXPECT_EQ(Call("DELETE", "/apps/crud").status, 200);
  EXPECT_EQ(Call("GET", "/apps/crud").status, 404);
}

TEST_F(DaemonTest, MismatchedUploadIsRejectedAndLeavesNothing) {
  std::string claimed = crypto::Sha256Digest("the real bytes").str();
  auto url =
      Json(Call("POST", "/artifacts/presign", json{{"digest", claimed}, {"size", 5}}.dump()));
  http::ClientRequest put;
  put.method = "PUT";
  put.url = url["url"];
  put.body = "other";
  EXPECT_EQ(client_->Send(put)->status, 201);
  auto done = Call("POST", "/artifacts/complete", json{{"digest", claimed}}.dump());
  EXPECT_EQ(done.status, 422);
  EXPECT_EQ(Json(done)["code"], "digest_mismatch");
  EXPECT_EQ(Call("HEAD", "/artifacts/" + claimed).status, 404);
  put.url = url["url"].get<std::string>() + "0";  // tampered signature
  auto forged = client_->Send(put);
  EXPECT_EQ(forged->status, 403);
}

TEST_F(DaemonTest, DeploysRedeploysAndServesThroughTheRouter) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"sample"})").status, 201);
  json d1 = Deploy("sample", RegisterSample("sample", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  EXPECT_GE(d1["phases"].size(), 6u);
  auto page = ViaRouter(d1["url"], "sample");
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("\"version\":\"v1\""), std::string::npos) << page.body;

  // Output is captured per instance; a crash after readiness is restarted by the agent.
  std::string stdout_log =
      *dir_ + "/data/logs/sample/" + d1["id"].get<std::string>() + ".0.stdout.log";
  std::ifstream log_in(stdout_log);
  std::string first_line;
  std::getline(log_in, first_line);
  EXPECT_NE(first_line.find("sample-node v1 listening"), std::string::npos) << first_line;
  int pid = Json(page)["pid"];
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int new_pid = pid;
  for (int i = 0; i < 100 && (new_pid == pid || new_pid == 0); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto again = ViaRouter(d1["url"], "sample");
    new_pid = again.status == 200 ? Json(again)["pid"].get<int>() : 0;
  }
  EXPECT_NE(new_pid, pid) << "the agent restarted the killed app";
  EXPECT_NE(new_pid, 0);

  json d2 = Deploy("sample", RegisterSample("sample", "v2"));
  ASSERT_EQ(d2["status"], "running") << d2.dump();
  EXPECT_NE(ViaRouter(d2["url"], "sample").body.find("\"version\":\"v2\""), std::string::npos);
  bool old_stopped = false;  // drained, then SIGTERM through the agent
  for (int i = 0; i < 100 && !old_stopped; ++i) {
    old_stopped = kill(new_pid, 0) != 0;
    if (!old_stopped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(old_stopped) << "the replaced release's process " << new_pid << " still runs";
  EXPECT_EQ(Json(Call("GET", "/deployments/" + d1["id"].get<std::string>()))["status"],
            "superseded");
  auto list = Json(Call("GET", "/apps/sample/deployments"));
  ASSERT_EQ(list["deployments"].size(), 2u);
  EXPECT_EQ(list["deployments"][0]["id"], d2["id"]);
  EXPECT_EQ(Call("DELETE", "/apps/sample").status, 200);
  EXPECT_EQ(ViaRouter(d2["url"], "sample").status, 503);
}

TEST_F(DaemonTest, CrashingAppFailsWithItsOutput) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"crasher"})").status, 201);
  std::string src = *dir_ + "/crasher";
  fs::create_directories(src);
  std::ofstream(src + "/index.js")
      << "console.error('boom: missing DATABASE_URL'); process.exit(3);\n";
  auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
  ASSERT_TRUE(layer.ok());
  json d = Deploy("crasher", RegisterLayer("crasher", layer->path));
  EXPECT_EQ(d["status"], "failed");
  EXPECT_NE(d["reason"].get<std::string>().find("boom: missing DATABASE_URL"), std::string::npos)
      << d["reason"];
  EXPECT_FALSE(fs::exists(*dir_ + "/data/releases/crasher/" + d["id"].get<std::string>()))
      << "a failed release leaves no files behind";
}

TEST_F(DaemonTest, LayerEscapingTheReleaseDirFailsTheDeploy) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"evil"})").status, 201);
  for (const std::string bad : {"../escaped.js", "/tmp/absolute.js"}) {
    std::string path = *dir_ + "/evil.tar";
    std::ofstream(path, std::ios::binary) << MakeTar({{"index.js", "1"}, {bad, "pwned"}});
    json d = Deploy("evil", RegisterLayer("evil", path));
    EXPECT_EQ(d["status"], "failed");
    EXPECT_NE(d["reason"].get<std::string>().find("unsafe path"), std::string::npos) << d["reason"];
    EXPECT_FALSE(fs::exists(*dir_ + "/data/releases/evil/escaped.js"));
    EXPECT_FALSE(fs::exists("/tmp/absolute.js"));
    EXPECT_FALSE(fs::exists(*dir_ + "/data/releases/evil/" + d["id"].get<std::string>()));
  }
}

TEST_F(DaemonTest, ManifestNamingAnUnknownLayerIsRefused) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"partial"})").status, 201);
  artifact::Manifest m;
  m.layers.push_back(
      {crypto::Sha256Digest("never"), 5, std::string(artifact::kLayerMediaType), "app"});
  m.command = {"node", "index.js"};
  auto res = Call("POST", "/apps/partial/artifacts", artifact::SerializeManifest(m));
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(Json(res)["code"], "failed_precondition");
  auto dep = Call("POST", "/deployments",
                  json{{"app", "partial"}, {"artifact", crypto::Sha256Digest("x").str()}}.dump());
  EXPECT_EQ(dep.status, 409);
  EXPECT_EQ(Json(Call("GET", "/apps/partial/deployments"))["deployments"].size(), 0u);
}

}  // namespace
}  // namespace aether
