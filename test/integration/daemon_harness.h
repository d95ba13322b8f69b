// DaemonHarness: a whole aetherd (SQLite, fs blobs, local or Kubernetes runtime, real agent)
// started in-process on port 0 in a temp dir, plus the HTTP calls the integration tests make
// against it. Test-only; one per test, used from the test's thread.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "aether/artifact/manifest.h"
#include "aether/artifact/pack.h"
#include "aether/crypto/crypto.h"
#include "aether/http/client.h"
#include "aetherd/daemon.h"

namespace aether::testing {

namespace fs = std::filesystem;
using nlohmann::json;

// A plain (uncompressed) ustar archive holding `files`, names taken verbatim: lets a test build
// the hostile layers a well-behaved packer never writes.
inline std::string MakeTar(const std::vector<std::pair<std::string, std::string>>& files) {
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

class DaemonHarness {
 public:
  // Starts aetherd with `policy` in a fresh directory named after the running test.
  void StartDaemon(const ArtifactPolicy& policy = {}) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = ::testing::TempDir() + "/aetherd-it-" + std::to_string(getpid()) + "-" +
           (info != nullptr ? info->name() : "suite");
    fs::remove_all(dir_);
    policy_ = policy;
    OpenDaemon();
  }

  // Stops aetherd (`mode`: whether the apps keep running) and starts a new one on the same data
  // dir, as an aetherd restart does; its API and router listen on new ports.
  void RestartDaemon(StopMode mode) {
    daemon_->Stop(mode);
    daemon_.reset();
    OpenDaemon();
  }

  // Stops aetherd and the apps, and deletes the test's directory.
  void StopDaemon() {
    if (daemon_) daemon_->Stop(StopMode::kStopApps);
    daemon_.reset();
    fs::remove_all(dir_);
  }

  void OpenDaemon() {
    DaemonOptions o;
    o.data_dir = dir_ + "/data";
    o.database_url = database_url_;
    o.policy = policy_;
    o.port = 0;
    o.router_port = 0;
    o.host = host_;
    o.runtime = runtime_;
    o.kube = kube_;
    o.agent_path = AETHER_AGENT_BIN;
    o.ready_timeout = std::chrono::seconds(20);
    o.stop_grace = std::chrono::seconds(3);
    o.sandbox = sandbox_;
    auto d = Daemon::Start(o);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    daemon_ = std::move(d).value();
    std::ifstream in(daemon_->admin_token_file());
    std::getline(in, token_);
  }

  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& body = "", const std::string& token = "-") {
    http::ClientRequest req;
    req.method = method;
    req.url = path.starts_with("http") ? path : daemon_->api_url() + path;
    req.body = body;
    std::string bearer = token == "-" ? token_ : token;  // "-": the admin token
    if (!bearer.empty()) req.headers["Authorization"] = "Bearer " + bearer;
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
    auto head = Call("HEAD", "/layers/" + digest);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.headers["Content-Length"], std::to_string(size));
    return digest;
  }

  // Packs examples/sample-node (with version.json replaced by `version`) and registers it.
  std::string RegisterSample(const std::string& app, const std::string& version) {
    std::string src = dir_ + "/src-" + version;
    fs::remove_all(src);
    fs::copy(std::string(AETHER_SOURCE_DIR) + "/examples/sample-node", src,
             fs::copy_options::recursive);
    std::ofstream(src + "/version.json") << "{\"version\":\"" << version << "\"}";
    auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    return RegisterLayer(app, layer->path, "/ready");
  }

  // Packs and registers an app that prints "boom: missing DATABASE_URL" and exits 3.
  std::string RegisterCrasher(const std::string& app) {
    std::string src = dir_ + "/crasher";
    fs::create_directories(src);
    std::ofstream(src + "/index.js")
        << "console.error('boom: missing DATABASE_URL'); process.exit(3);\n";
    auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    return layer.ok() ? RegisterLayer(app, layer->path) : "";
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

  // The host pid of the node process of `app`'s first current instance (0 when none runs):
  // found under its agent (from the runtime's state file), as the app itself only knows its pid
  // inside the sandbox's pid namespace.
  int AppProcess(const std::string& app) const {
    std::ifstream in(dir_ + "/data/runtime/" + app + ".json");
    json state = json::parse(in, nullptr, false);
    if (!state.is_object() || !state["current"].is_object()) return 0;
    int agent = state["current"]["instances"][0].value("pid", 0);
    std::map<int, std::vector<int>> children;
    std::map<int, std::string> comm;
    for (const auto& entry : fs::directory_iterator("/proc")) {
      std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream stat(entry.path() / "stat");
      std::string line;
      std::getline(stat, line);
      size_t close = line.rfind(')');
      if (close == std::string::npos || line.find('(') == std::string::npos) continue;
      int pid = std::stoi(name);
      comm[pid] = line.substr(line.find('(') + 1, close - line.find('(') - 1);
      std::istringstream rest(line.substr(close + 2));
      std::string state_char;
      int ppid = 0;
      rest >> state_char >> ppid;
      children[ppid].push_back(pid);
    }
    std::vector<int> queue = {agent};
    for (size_t i = 0; i < queue.size(); ++i) {
      for (int child : children[queue[i]]) {
        if (comm[child] == "node") return child;
        queue.push_back(child);
      }
    }
    return 0;
  }

  std::string AgentToken() const {
    std::ifstream in(dir_ + "/data/agent.token");
    std::string token;
    std::getline(in, token);
    return token;
  }

  std::unique_ptr<Daemon> daemon_;
  std::string dir_;
  ArtifactPolicy policy_;
  std::string database_url_;        // PostgreSQL when set, else SQLite in the data dir
  std::string host_ = "127.0.0.1";  // API (and router) listen address
  std::string runtime_ = "local";
  bool sandbox_ = true;      // the local runtime's app sandbox (aetherd --sandbox)
  KubeRuntimeOptions kube_;  // with runtime_ "kubernetes"
  std::string token_;
  std::unique_ptr<http::Client> client_ = http::NewClient();
};

}  // namespace aether::testing
