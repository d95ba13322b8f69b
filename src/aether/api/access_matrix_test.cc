// Route × credential matrix, generated from the router's own table: every route is called with
// no token, an expired token, a rotated-out token, a read token, a deploy token for another
// app, a deploy token and an admin token, and the answer must be the one its access level and
// app binding call for. A route missing from kExpected fails the test, so a new route must
// state who may call it.
#include <map>
#include <set>
#include <string>

#include "aether/api/api_test_util.h"

namespace aether::api {
namespace {

struct Expectation {
  Access access;
  bool app_bound;  // acts on one app (path, body or the deployment/artifact it names)
};

const std::map<std::string, Expectation>& Expected() {
  static const auto* table = new std::map<std::string, Expectation>{
      {"GET /healthz", {Access::kPublic, false}},
      {"GET /readyz", {Access::kPublic, false}},
      {"GET /metrics", {Access::kPublic, false}},
      {"GET /openapi.json", {Access::kPublic, false}},
      {"POST /apps", {Access::kDeploy, true}},
      {"GET /apps", {Access::kRead, false}},
      {"GET /apps/{app}", {Access::kRead, true}},
      {"DELETE /apps/{app}", {Access::kAdmin, true}},
      {"HEAD /layers/{digest}", {Access::kPull, false}},
      {"GET /layers/{digest}", {Access::kPull, false}},
      {"POST /artifacts/missing", {Access::kDeploy, false}},
      {"POST /artifacts/presign", {Access::kDeploy, false}},
      {"PUT /blobs/{digest}", {Access::kPublic, false}},
      {"GET /blobs/{digest}", {Access::kPublic, false}},
      {"POST /artifacts/complete", {Access::kDeploy, false}},
      {"POST /artifacts/uploads", {Access::kDeploy, false}},
      {"PUT /blobs/uploads/{upload_id}/{part}", {Access::kPublic, false}},
      {"POST /artifacts/uploads/{upload_id}/complete", {Access::kDeploy, false}},
      {"DELETE /artifacts/uploads/{upload_id}", {Access::kDeploy, false}},
      {"POST /apps/{app}/artifacts", {Access::kDeploy, true}},
      {"GET /artifacts/{digest}", {Access::kPull, true}},
      {"GET /artifacts/{digest}/signature", {Access::kPull, true}},
      {"GET /artifacts/{digest}/sbom", {Access::kPull, true}},
      {"GET /artifacts/{digest}/provenance", {Access::kPull, true}},
      {"GET /apps/{app}/artifacts", {Access::kRead, true}},
      {"GET /apps/{app}/artifacts/{digest}", {Access::kPull, true}},
      {"POST /deployments", {Access::kDeploy, true}},
      {"GET /deployments/{id}", {Access::kRead, true}},
      {"GET /deployments/{id}/events", {Access::kRead, true}},
      {"GET /apps/{app}/deployments", {Access::kRead, true}},
      {"POST /apps/{app}/public-keys", {Access::kAdmin, true}},
      {"GET /apps/{app}/public-keys", {Access::kPull, true}},
      {"DELETE /apps/{app}/public-keys/{id}", {Access::kAdmin, true}},
      {"GET /apps/{app}/releases", {Access::kRead, true}},
      {"GET /apps/{app}/releases/{version}", {Access::kRead, true}},
      {"POST /apps/{app}/rollback", {Access::kDeploy, true}},
      {"GET /apps/{app}/config", {Access::kDeploy, true}},
      {"PATCH /apps/{app}/config", {Access::kDeploy, true}},
      {"POST /apps/{app}/scale", {Access::kDeploy, true}},
      {"GET /apps/{app}/logs", {Access::kRead, true}},
      {"POST /tokens", {Access::kAdmin, false}},
      {"GET /tokens", {Access::kAdmin, false}},
      {"GET /tokens/{id}", {Access::kAdmin, false}},
      {"DELETE /tokens/{id}", {Access::kAdmin, false}},
      {"POST /tokens/{id}/rotate", {Access::kAdmin, false}},
      {"GET /whoami", {Access::kAny, false}},
      {"GET /audit", {Access::kAdmin, false}},
  };
  return *table;
}

enum class Outcome { k401, k403, kThrough };

struct Credential {
  std::string label;
  std::string secret;
  std::string role;  // "" for the ones refused before their scope is looked at
  bool other_app;    // limited to app "other"
};

class AccessMatrixTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store->CreateApp({"web", NowRfc3339(), ""}).ok());
    ArtifactRecord artifact;
    artifact.digest = kDigest;
    artifact.app = "web";
    artifact.manifest = "{}";
    ASSERT_TRUE(store->PutArtifact(artifact).ok());
    Deployment d;
    d.id = "dep_web";
    d.app = "web";
    d.artifact = kDigest;
    ASSERT_TRUE(store->CreateDeployment(d).ok());
    victim_ = auth.Create({"victim", "read", {}, 0})->token.id;

    auto expiring = auth.Create({"expiring", "admin", {}, 60});
    auto rotated = auth.Create({"rotated", "admin", {}, 0});
    ASSERT_TRUE(auth.Rotate(rotated->token.id, std::chrono::seconds(30)).ok());
    creds_ = {
        {"no token", "", "", false},
        {"expired", expiring->secret, "", false},
        {"rotated out", rotated->secret, "", false},
        {"read", kReadToken, "read", false},
        {"deploy for another app", auth.Create({"other", "deploy", {"other"}, 0})->secret, "deploy",
         true},
        {"deploy", auth.Create({"ci", "deploy", {}, 0})->secret, "deploy", false},
        {"admin", kAdminToken, "admin", false},
    };
    clock_skew_ms = 61'000;  // past the expiry and the rotation's grace
  }

  std::string Concrete(const std::string& pattern) const {
    std::string out = pattern;
    auto put = [&](const std::string& from, const std::string& to) {
      for (size_t at = out.find(from); at != std::string::npos; at = out.find(from))
        out.replace(at, from.size(), to);
    };
    put("{app}", "web");
    put("{digest}", kDigest);
    put("{version}", "1");
    put("{upload_id}", "up_1");
    put("{part}", "1");
    put("{id}", out.starts_with("/tokens")        ? victim_
                : out.starts_with("/deployments") ? "dep_web"
                                                  : "k1");
    return out;
  }

  static std::string Body(const std::string& route) {
    if (route == "POST /apps") return R"({"name":"web"})";
    if (route == "POST /deployments")
      return std::string(R"({"app":"web","artifact":")") + kDigest + "\"}";
    if (route == "POST /tokens") return R"({"name":"made","scope":"read"})";
    return "{}";
  }

  static Outcome Expect(const Expectation& e, const Credential& c) {
    if (e.access == Access::kPublic) return Outcome::kThrough;
    if (c.role.empty()) return Outcome::k401;
    Principal who{"t", c.label, c.role,
                  c.other_app ? std::vector<std::string>{"other"} : std::vector<std::string>{}};
    static const std::map<Access, Scope> kScope = {{Access::kAny, Scope::kAny},
                                                   {Access::kPull, Scope::kPull},
                                                   {Access::kRead, Scope::kRead},
                                                   {Access::kDeploy, Scope::kDeploy},
                                                   {Access::kAdmin, Scope::kAdmin}};
    if (!who.Grants(kScope.at(e.access))) return Outcome::k403;
    if (c.other_app && (e.app_bound || e.access == Access::kAdmin)) return Outcome::k403;
    return Outcome::kThrough;
  }

  static constexpr const char* kDigest =
      "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  std::string victim_;
  std::vector<Credential> creds_;
};

TEST_F(AccessMatrixTest, EveryRouteAnswersEachCredentialAsItsAccessSays) {
  std::set<std::string> served;
  int checked = 0;
  for (const auto& [method, pattern] : api.Routes()) {
    const std::string route = method + " " + pattern;
    served.insert(route);
    auto it = Expected().find(route);
    if (it == Expected().end()) {
      ADD_FAILURE() << route << " has no entry in the access matrix (kExpected)";
      continue;
    }
    EXPECT_EQ(api.AccessOf(method, pattern), it->second.access) << route;
    for (const Credential& c : creds_) {
      const std::string what = route + " with " + c.label;
      http::Response res = Call(method, Concrete(pattern), c.secret, Body(route));
      switch (Expect(it->second, c)) {
        case Outcome::k401:
          EXPECT_EQ(res.status, 401) << what << ": " << res.body;
          EXPECT_NE(res.body.find("\"unauthenticated\""), std::string::npos) << what;
          break;
        case Outcome::k403:
          EXPECT_EQ(res.status, 403) << what << ": " << res.body;
          EXPECT_NE(res.body.find("\"permission_denied\""), std::string::npos) << what;
          break;
        case Outcome::kThrough:
          EXPECT_NE(res.status, 401) << what << ": " << res.body;
          if (it->second.access != Access::kPublic) {
            EXPECT_NE(res.status, 403) << what << ": " << res.body;
          }
          break;
      }
      ++checked;
    }
  }
  for (const auto& [route, e] : Expected()) {
    EXPECT_TRUE(served.count(route)) << route << " is in the matrix but not served";
  }
  EXPECT_GT(checked, 300);
}

TEST_F(AccessMatrixTest, AnotherAppsTokenLearnsNothingAboutWhichAppsExist) {
  const std::string other = creds_[4].secret;
  for (const std::string app : {"web", "ghost"}) {
    http::Response get = Call("GET", "/apps/" + app, other);
    http::Response scale = Call("POST", "/apps/" + app + "/scale", other, R"({"instances":2})");
    EXPECT_EQ(get.status, 403) << app;
    EXPECT_EQ(scale.status, 403) << app;
    EXPECT_EQ(get.body, Call("GET", "/apps/web", other).body) << "same answer for " << app;
  }
  // The deploy token for every app gets the real answers.
  EXPECT_EQ(Call("GET", "/apps/ghost", creds_[5].secret).status, 404);
  EXPECT_EQ(Call("GET", "/apps/web", creds_[5].secret).status, 200);
}

}  // namespace
}  // namespace aether::api
