// /tokens, /whoami and /audit through Api::Handle, the audit trail of mutating routes, the
// auth failure counters and the per-token rate limit.
#include <nlohmann/json.hpp>

#include "aether/api/api_test_util.h"
#include "aether/crypto/crypto.h"

namespace aether::api {
namespace {

using nlohmann::json;

class TokenRoutesTest : public ApiTest {
 protected:
  json Body(const http::Response& res) { return json::parse(res.body, nullptr, false); }

  // Creates a token through the API and returns {token, secret}.
  json Make(const std::string& body) {
    http::Response res = Call("POST", "/tokens", kAdminToken, body);
    EXPECT_EQ(res.status, 201) << res.body;
    return Body(res);
  }
};

TEST_F(TokenRoutesTest, CreateShowsTheSecretOnceAndListNeverShowsSecretsOrHashes) {
  json made = Make(R"({"name":"ci","scope":"deploy","apps":["web"],"expires_in_seconds":3600})");
  const std::string secret = made["secret"];
  EXPECT_EQ(secret.substr(0, 3), "ae_");
  EXPECT_EQ(made["token"]["scope"], "deploy");
  EXPECT_EQ(made["token"]["apps"], json::array({"web"}));
  EXPECT_TRUE(made["token"]["expires_at"].is_string());
  http::Response list = Call("GET", "/tokens");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  EXPECT_EQ(list.body.find(crypto::Sha256Hex(secret)), std::string::npos);
  EXPECT_EQ(list.body.find("hash"), std::string::npos);
  bool found = false;
  const json listed = Body(list);
  for (const json& t : listed["tokens"]) found = found || t["name"] == "ci";
  EXPECT_TRUE(found) << list.body;

  http::Response me = Call("GET", "/whoami", secret);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Body(me)["name"], "ci");
  EXPECT_EQ(Body(me)["scope"], "deploy");
  EXPECT_TRUE(Body(me)["last_used_at"].is_string());
}

TEST_F(TokenRoutesTest, BadCreateBodiesAre400) {
  for (const char* body :
       {R"({"name":"x"})", R"({"name":"x","scope":"root"})",
        R"({"name":"x","scope":"read","apps":"web"})", R"({"name":"x","scope":"read","apps":[1]})",
        R"({"name":"x","scope":"read","apps":["Bad_App"]})",
        R"({"name":"x","scope":"read","expires_in_seconds":"soon"})",
        R"({"name":"x","scope":"read","expires_in_seconds":-5})", "[]"}) {
    http::Response res = Call("POST", "/tokens", kAdminToken, body);
    EXPECT_EQ(res.status, 400) << body << " → " << res.body;
  }
  EXPECT_EQ(Call("POST", "/tokens/tok_x/rotate", kAdminToken, R"({"grace_seconds":"1h"})").status,
            400);
}

TEST_F(TokenRoutesTest, RevokeAndRotateThroughTheApi) {
  json made = Make(R"({"name":"ci","scope":"deploy"})");
  const std::string id = made["token"]["id"];
  const std::string old_secret = made["secret"];
  http::Response rotated =
      Call("POST", "/tokens/" + id + "/rotate", kAdminToken, R"({"grace_seconds":60})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string new_secret = Body(rotated)["secret"];
  EXPECT_TRUE(Body(rotated)["token"]["rotated_until"].is_string());
  EXPECT_EQ(Call("GET", "/whoami", old_secret).status, 200) << "within the grace period";
  EXPECT_EQ(Call("GET", "/whoami", new_secret).status, 200);
  clock_skew_ms = 61'000;
  EXPECT_EQ(Call("GET", "/whoami", old_secret).status, 401);
  EXPECT_EQ(Call("GET", "/whoami", new_secret).status, 200);

  http::Response revoked = Call("DELETE", "/tokens/" + id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_TRUE(Body(revoked)["revoked_at"].is_string());
  http::Response refused = Call("GET", "/whoami", new_secret);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("revoked"), std::string::npos);
  EXPECT_EQ(Call("DELETE", "/tokens/tok_nope").status, 404);
  EXPECT_EQ(Call("POST", "/tokens/" + id + "/rotate").status, 409) << "revoked: no rotation";
}

TEST_F(TokenRoutesTest, MutatingUseAndTokenChangesAreAuditedWithTheActor) {
  json made = Make(R"({"name":"ci","scope":"deploy","apps":["web"]})");
  const std::string secret = made["secret"];
  EXPECT_EQ(Call("POST", "/apps", secret, R"({"name":"web"})").status, 201);
  EXPECT_EQ(Call("POST", "/apps", secret, R"({"name":"api"})").status, 403);
  EXPECT_EQ(Call("GET", "/apps/web", secret).status, 200);  // reads are not audited
  http::Response trail = Call("GET", "/audit?limit=10");
  ASSERT_EQ(trail.status, 200) << trail.body;
  json events = Body(trail)["events"];
  ASSERT_EQ(events.size(), 3u) << trail.body;
  EXPECT_EQ(events[0]["token_name"], "ci");
  EXPECT_EQ(events[0]["action"], "POST /apps");
  EXPECT_EQ(events[0]["target"], "api");
  EXPECT_EQ(events[0]["status"], 403);
  EXPECT_EQ(events[1]["target"], "web");
  EXPECT_EQ(events[1]["status"], 201);
  EXPECT_EQ(events[1]["remote_addr"], "127.0.0.1");
  EXPECT_EQ(events[2]["token_name"], "admin");
  EXPECT_EQ(events[2]["action"], "POST /tokens");
  EXPECT_EQ(events[2]["target"], made["token"]["id"]);
  EXPECT_EQ(Call("GET", "/audit", secret).status, 403);
}

TEST_F(TokenRoutesTest, RefusalsAreCountedInMetrics) {
  Call("GET", "/apps", "");
  Call("GET", "/apps", "wrong-token");
  Call("POST", "/tokens", kReadToken, R"({"name":"x","scope":"read"})");
  std::string text = Call("GET", "/metrics", "").body;
  EXPECT_NE(text.find("aether_auth_failures_total{status=\"401\"} 2"), std::string::npos) << text;
  EXPECT_NE(text.find("aether_auth_failures_total{status=\"403\"} 1"), std::string::npos) << text;
}

TEST_F(TokenRoutesTest, RestrictedTokensSeeOnlyTheirAppsAndNoAdminRoutes) {
  ASSERT_EQ(Call("POST", "/apps", kAdminToken, R"({"name":"web"})").status, 201);
  ASSERT_EQ(Call("POST", "/apps", kAdminToken, R"({"name":"api"})").status, 201);
  json made = Make(R"({"name":"web-admin","scope":"admin","apps":["web"]})");
  const std::string secret = made["secret"];
  json seen = Body(Call("GET", "/apps", secret))["apps"];
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["name"], "web");
  EXPECT_EQ(Call("GET", "/tokens", secret).status, 403) << "no token admin for limited tokens";
  EXPECT_EQ(Call("POST", "/tokens", secret, R"({"name":"x","scope":"admin"})").status, 403);
  EXPECT_EQ(Call("DELETE", "/apps/api", secret).status, 403);
}

TEST_F(TokenRoutesTest, MutatingRoutesAreRateLimitedPerToken) {
  RateLimiter limiter(RateLimit{60, 2});
  api.services().rate_limiter = &limiter;
  json made = Make(R"({"name":"ci","scope":"deploy"})");  // admin: 1 of its 2
  const std::string secret = made["secret"];
  EXPECT_EQ(Call("POST", "/apps", secret, R"({"name":"a1"})").status, 201);
  EXPECT_EQ(Call("POST", "/apps", secret, R"({"name":"a2"})").status, 201);
  http::Response limited = Call("POST", "/apps", secret, R"({"name":"a3"})");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.headers["Retry-After"].empty());
  EXPECT_NE(limited.body.find("rate_limited"), std::string::npos);
  EXPECT_EQ(Call("GET", "/apps", secret).status, 200) << "reads are not limited";
  EXPECT_EQ(Call("POST", "/apps", kAdminToken, R"({"name":"a4"})").status, 201)
      << "another token has its own budget";
  api.services().rate_limiter = nullptr;
}

}  // namespace
}  // namespace aether::api
