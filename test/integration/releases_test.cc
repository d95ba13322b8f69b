// The release lifecycle over real HTTP against a whole aetherd (SQLite, local runtime, real
// agent and node): releases, config vars reaching the app, scale, rollback, pagination,
// Idempotency-Key, quotas and retention, and a restart in the middle of a rollout.
#include <algorithm>
#include <set>

#include "aether/crypto/ed25519.h"
#include "daemon_harness.h"

namespace aether::testing {
namespace {

class ReleasesTest : public ::testing::Test, public DaemonHarness {
 protected:
  void TearDown() override { StopDaemon(); }

  // Waits for the release in `created` (a 202 answer) to finish; returns it.
  json Finish(const http::Response& created) {
    EXPECT_EQ(created.status, 202) << created.body;
    return WaitDeployment(Json(created)["id"]);
  }

  json AppAnswer(const std::string& app) {
    std::string url = Json(Call("GET", "/apps/" + app))["url"];
    return Json(ViaRouter(url, app));
  }
};

TEST_F(ReleasesTest, ConfigScaleAndRollbackAreReleasesTheAppSees) {
  StartDaemon();
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json v1 = Deploy("web", RegisterSample("web", "1"));
  ASSERT_EQ(v1["status"], "running") << v1.dump();
  EXPECT_EQ(v1["version"], 1);
  EXPECT_TRUE(AppAnswer("web")["greeting"].is_null());

  json v2 = Finish(Call("PATCH", "/apps/web/config", R"({"GREETING":"hi there"})"));
  EXPECT_EQ(v2["status"], "running") << v2.dump();
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["config_keys"], json::array({"GREETING"}));
  EXPECT_EQ(AppAnswer("web")["greeting"], "hi there");
  EXPECT_EQ(Json(Call("GET", "/apps/web/config"))["config"]["GREETING"], "********");
  EXPECT_EQ(Json(Call("GET", "/apps/web/config?reveal=true"))["config"]["GREETING"], "hi there");
  EXPECT_EQ(Call("GET", "/apps/web/releases").body.find("hi there"), std::string::npos);

  json v3 = Finish(Call("POST", "/apps/web/scale", R"({"instances":2})"));
  EXPECT_EQ(v3["status"], "running") << v3.dump();
  EXPECT_EQ(v3["instances"], 2);
  std::set<std::string> instances;
  for (int i = 0; i < 8; ++i) instances.insert(AppAnswer("web")["instance"].get<std::string>());
  EXPECT_EQ(instances.size(), 2u) << "two processes behind the router";

  json v4 = Finish(Call("POST", "/apps/web/rollback", R"({"version":"v1"})"));
  EXPECT_EQ(v4["status"], "running") << v4.dump();
  EXPECT_EQ(v4["description"], "Rollback to v1");
  EXPECT_TRUE(AppAnswer("web")["greeting"].is_null()) << "v1's config came back";
  json v5 = Finish(Call("POST", "/apps/web/rollback", ""));
  EXPECT_EQ(v5["description"], "Rollback to v3");
  EXPECT_EQ(AppAnswer("web")["greeting"], "hi there");

  // Pages of two, newest first, walked with the cursor.
  std::vector<long long> versions;
  std::string cursor;
  do {
    json page = Json(
        Call("GET", "/apps/web/releases?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    for (const auto& r : page["releases"]) versions.push_back(r["version"]);
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  EXPECT_EQ(versions, (std::vector<long long>{5, 4, 3, 2, 1}));
  EXPECT_EQ(Json(Call("GET", "/apps/web/releases/v2"))["description"], "Set GREETING");

  auto events = Json(Call("GET", "/deployments/" + v2["id"].get<std::string>() + "/events"));
  std::vector<std::string> types;
  for (const auto& e : events["events"]) types.push_back(e["type"]);
  EXPECT_EQ(types.front(), "created");
  EXPECT_NE(std::find(types.begin(), types.end(), "running"), types.end());
  EXPECT_EQ(types.back(), "superseded") << "v3 replaced it";
}

TEST_F(ReleasesTest, BadRequestsGetTheEnvelopeAndChangeNothing) {
  StartDaemon();
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  auto code = [&](const http::Response& r) { return Json(r)["code"].get<std::string>(); };
  for (const char* query : {"?limit=0", "?limit=501", "?limit=x", "?cursor=%21%21"}) {
    auto r = Call("GET", std::string("/apps/web/releases") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(code(r), "invalid_argument") << query;
  }
  EXPECT_EQ(Call("PATCH", "/apps/web/config", R"({"PORT":"1"})").status, 400);
  EXPECT_EQ(Call("PATCH", "/apps/web/config", R"({"A":1})").status, 400);
  EXPECT_EQ(Call("PATCH", "/apps/web/config", "[]").status, 400);
  EXPECT_EQ(Call("POST", "/apps/web/scale", R"({"instances":0})").status, 400);
  auto scale = Call("POST", "/apps/web/scale", R"({"instances":2})");
  EXPECT_EQ(scale.status, 409) << "nothing deployed yet";
  EXPECT_EQ(code(Call("POST", "/apps/web/rollback", "")), "failed_precondition");
  EXPECT_EQ(Call("GET", "/apps/web/releases/v9").status, 404);
  EXPECT_EQ(Call("GET", "/apps/ghost/releases").status, 404);
  EXPECT_TRUE(Json(Call("GET", "/apps/web/releases"))["releases"].empty());
}

TEST_F(ReleasesTest, PublicKeysArePagedInRegistrationOrder) {
  StartDaemon();
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  std::vector<std::string> names = {"a", "b", "c"};
  for (const auto& name : names) {
    auto pair = crypto::GenerateEd25519();
    ASSERT_TRUE(pair.ok());
    json body = {{"public_key", pair->public_pem}, {"name", name}};
    ASSERT_EQ(Call("POST", "/apps/web/public-keys", body.dump()).status, 201);
  }
  json first = Json(Call("GET", "/apps/web/public-keys?limit=2"));
  ASSERT_EQ(first["keys"].size(), 2u);
  EXPECT_EQ(first["keys"][0]["name"], "a");
  ASSERT_TRUE(first["next_cursor"].is_string());
  json rest = Json(Call(
      "GET", "/apps/web/public-keys?limit=2&cursor=" + first["next_cursor"].get<std::string>()));
  ASSERT_EQ(rest["keys"].size(), 1u);
  EXPECT_EQ(rest["keys"][0]["name"], "c");
  EXPECT_TRUE(rest["next_cursor"].is_null());
  EXPECT_EQ(Call("GET", "/apps/web/public-keys?cursor=bm9wZQ").status, 400);
}

TEST_F(ReleasesTest, IdempotencyKeyReplaysTheFirstAnswer) {
  StartDaemon();
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  auto patch = [&](const std::string& key, const std::string& body) {
    http::ClientRequest req;
    req.method = "PATCH";
    req.url = daemon_->api_url() + "/apps/web/config";
    req.body = body;
    req.headers["Authorization"] = "Bearer " + token_;
    req.headers["Content-Type"] = "application/json";
    req.headers["Idempotency-Key"] = key;
    return *client_->Send(req);
  };
  auto first = patch("retry-1", R"({"A":"1"})");
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = patch("retry-1", R"({"A":"1"})");
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers["Idempotent-Replayed"], "true");
  auto other = patch("retry-1", R"({"A":"2"})");
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(Json(other)["code"], "idempotency_conflict");
  EXPECT_EQ(Json(Call("GET", "/apps/web/releases"))["releases"].size(), 1u)
      << "one release for the three calls";
  EXPECT_EQ(patch("retry-2", R"({"A":"2"})").status, 202);
}

TEST_F(ReleasesTest, QuotaRefusesAndRetentionPrunes) {
  ArtifactPolicy policy;
  policy.limits.max_artifacts = 2;
  StartDaemon(policy);
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  RegisterSample("web", "1");
  RegisterSample("web", "2");
  std::string src = dir_ + "/src-3";
  fs::copy(std::string(AETHER_SOURCE_DIR) + "/examples/sample-node", src);
  std::ofstream(src + "/version.json") << R"({"version":"3"})";
  auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
  ASSERT_TRUE(layer.ok());
  std::string digest = UploadFile(layer->path);
  artifact::Manifest m;
  m.app = "web";
  m.layers.push_back(
      {*Digest::Parse(digest), layer->size, std::string(artifact::kLayerMediaType), "app"});
  m.command = {"node", "index.js"};
  auto refused = Call("POST", "/apps/web/artifacts", artifact::SerializeManifest(m));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Json(refused)["code"], "quota_exceeded");
  EXPECT_EQ(Json(Call("GET", "/apps/web/artifacts"))["artifacts"].size(), 2u);

  StopDaemon();
  policy.limits = {};
  policy.limits.retain = 1;
  StartDaemon(policy);
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json running = Deploy("web", RegisterSample("web", "a"));
  ASSERT_EQ(running["status"], "running");
  RegisterSample("web", "b");
  std::string newest = RegisterSample("web", "c");
  json list = Json(Call("GET", "/apps/web/artifacts"));
  ASSERT_EQ(list["artifacts"].size(), 2u) << list.dump();
  EXPECT_EQ(list["artifacts"][0]["digest"], newest);
  EXPECT_EQ(list["artifacts"][1]["digest"], running["artifact"]);
}

TEST_F(ReleasesTest, ARestartDuringARolloutNeverLeavesItStuck) {
  StartDaemon();
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  std::string artifact = RegisterSample("web", "1");
  auto created = Call("POST", "/deployments", json{{"app", "web"}, {"artifact", artifact}}.dump());
  ASSERT_EQ(created.status, 202);
  std::string id = Json(created)["id"];
  RestartDaemon(StopMode::kStopApps);
  json after = WaitDeployment(id);
  EXPECT_TRUE(after["status"] == "running" || after["status"] == "failed") << after.dump();
  json next = Deploy("web", artifact);
  EXPECT_EQ(next["status"], "running") << next.dump();
}

}  // namespace
}  // namespace aether::testing
