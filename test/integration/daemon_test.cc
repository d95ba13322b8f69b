// Integration suite: the whole aetherd (SQLite, fs blobs, local runtime, real agent) started
// in-process on port 0, driven over real HTTP. Deploys examples/sample-node from source.
#include "daemon_harness.h"

namespace aether {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class DaemonTest : public ::testing::Test, protected testing::DaemonHarness {
 protected:
  void SetUp() override { StartDaemon(); }
  void TearDown() override { StopDaemon(); }
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
  std::string agent_token = AgentToken();
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
  EXPECT_EQ(Call("HEAD", "/layers/" + claimed).status, 404);
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

  // Output is captured per instance (CRI lines: "<time> stdout F <message>", the agent's
  // notices as "event" records); a crash after readiness is restarted by the agent.
  std::string log_file = dir_ + "/data/logs/sample/sample-v" +
                         std::to_string(d1["version"].get<long long>()) + "-0.log";
  std::ifstream log_in(log_file);
  std::string first_line;
  while (std::getline(log_in, first_line) && first_line.find(" stdout F ") == std::string::npos) {
  }
  EXPECT_NE(first_line.find("sample-node v1 listening"), std::string::npos) << first_line;
  std::string instance = Json(page)["instance"];
  int pid = AppProcess("sample");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  std::string new_instance = instance;
  for (int i = 0; i < 100 && (new_instance == instance || new_instance.empty()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto again = ViaRouter(d1["url"], "sample");
    new_instance = again.status == 200 ? Json(again)["instance"].get<std::string>() : "";
  }
  EXPECT_NE(new_instance, instance) << "the agent restarted the killed app";
  EXPECT_FALSE(new_instance.empty());
  int new_pid = AppProcess("sample");
  EXPECT_GT(new_pid, 0);
  EXPECT_NE(new_pid, pid);

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
  std::vector<std::string> types;
  auto events = Call("GET", "/deployments/" + d1["id"].get<std::string>() + "/events");
  ASSERT_EQ(events.status, 200) << events.body;
  json event_list = Json(events);
  for (const auto& e : event_list["events"]) {
    types.push_back(e["type"]);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"created", "deploying", "fetch", "verify", "unpack",
                                             "start", "ready", "switch", "running", "superseded"}));
  EXPECT_EQ(Call("GET", "/deployments/dep_nope/events").status, 404);
  auto list = Json(Call("GET", "/apps/sample/deployments"));
  ASSERT_EQ(list["deployments"].size(), 2u);
  EXPECT_EQ(list["deployments"][0]["id"], d2["id"]);
  EXPECT_EQ(Call("DELETE", "/apps/sample").status, 200);
  EXPECT_EQ(ViaRouter(d2["url"], "sample").status, 503);
}

TEST_F(DaemonTest, CrashingAppFailsWithItsOutput) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"crasher"})").status, 201);
  json d = Deploy("crasher", RegisterCrasher("crasher"));
  EXPECT_EQ(d["status"], "failed");
  EXPECT_NE(d["reason"].get<std::string>().find("boom: missing DATABASE_URL"), std::string::npos)
      << d["reason"];
  EXPECT_FALSE(fs::exists(dir_ + "/data/releases/crasher/" + d["id"].get<std::string>()))
      << "a failed release leaves no files behind";
  // Its instance's output is kept: the logs still show the crash and the agent's restarts.
  http::Response logs = Call("GET", "/apps/crasher/logs?format=text");
  ASSERT_EQ(logs.status, 200) << logs.body;
  EXPECT_NE(logs.body.find("crasher-v1-0/app boom: missing DATABASE_URL"), std::string::npos)
      << logs.body;
  EXPECT_NE(logs.body.find("crasher-v1-0/aether process exited"), std::string::npos) << logs.body;
  EXPECT_NE(logs.body.find("; restarting in "), std::string::npos) << logs.body;
  EXPECT_NE(logs.body.find("crasher/aether failed "), std::string::npos) << logs.body;
}

TEST_F(DaemonTest, LayerEscapingTheReleaseDirFailsTheDeploy) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"evil"})").status, 201);
  for (const std::string bad : {"../escaped.js", "/tmp/absolute.js"}) {
    std::string path = dir_ + "/evil.tar";
    std::ofstream(path, std::ios::binary) << testing::MakeTar({{"index.js", "1"}, {bad, "pwned"}});
    json d = Deploy("evil", RegisterLayer("evil", path));
    EXPECT_EQ(d["status"], "failed");
    EXPECT_NE(d["reason"].get<std::string>().find("unsafe path"), std::string::npos) << d["reason"];
    EXPECT_FALSE(fs::exists(dir_ + "/data/releases/evil/escaped.js"));
    EXPECT_FALSE(fs::exists("/tmp/absolute.js"));
    EXPECT_FALSE(fs::exists(dir_ + "/data/releases/evil/" + d["id"].get<std::string>()));
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
