// CORS through Api::Handle: preflights for a served path are answered from the route table
// (before any token is asked for), allowed origins get the headers on real answers (errors
// included), and other origins get none.
#include "aether/api/api_test_util.h"

namespace aether::api {
namespace {

class ApiCorsTest : public ApiTest {
 protected:
  void SetUp() override {
    auto policy = ParseCorsOrigins("https://console.example.com");
    ASSERT_TRUE(policy.ok());
    api.services().cors = *policy;
  }

  http::Response Send(const std::string& method, const std::string& target,
                      const std::map<std::string, std::string>& headers,
                      const std::string& token = kAdminToken) {
    http::Request req;
    req.method = method;
    req.target = target;
    http::ParseTarget(req.target, &req.path, &req.query);
    for (const auto& [k, v] : headers) req.headers[k] = v;
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    req.remote_addr = "127.0.0.1";
    return api.Handle(req);
  }
};

TEST_F(ApiCorsTest, PreflightForAServedMethodIsAnsweredWithoutAToken) {
  http::Response res = Send("OPTIONS", "/apps/web/scale",
                            {{"Origin", "https://console.example.com"},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "authorization, content-type"}},
                            "");
  EXPECT_EQ(res.status, 204) << res.body;
  EXPECT_EQ(res.headers["Access-Control-Allow-Origin"], "https://console.example.com");
  EXPECT_EQ(res.headers["Access-Control-Allow-Credentials"], "true");
  EXPECT_NE(res.headers["Access-Control-Allow-Methods"].find("POST"), std::string::npos);
  EXPECT_NE(res.headers["Access-Control-Allow-Headers"].find("Authorization"), std::string::npos);
}

TEST_F(ApiCorsTest, PreflightForAnUnservedMethodOrOriginGetsNoCorsHeaders) {
  for (const auto& [origin, method] : std::vector<std::pair<std::string, std::string>>{
           {"https://console.example.com", "PUT"}, {"https://evil.example.com", "POST"}}) {
    http::Response res = Send("OPTIONS", "/apps/web/scale",
                              {{"Origin", origin}, {"Access-Control-Request-Method", method}}, "");
    EXPECT_EQ(res.status, 403) << origin << " " << method;
    for (const auto& [name, value] : res.headers) {
      EXPECT_FALSE(name.starts_with("Access-Control-")) << name << " for " << origin;
    }
  }
}

TEST_F(ApiCorsTest, RealAnswersCarryTheHeadersOnlyForAllowedOrigins) {
  http::Response ok = Send("GET", "/apps", {{"Origin", "https://console.example.com"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.headers["Access-Control-Allow-Origin"], "https://console.example.com");
  EXPECT_NE(ok.headers["Vary"].find("Origin"), std::string::npos);
  http::Response denied = Send("GET", "/apps", {{"Origin", "https://console.example.com"}}, "");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.headers["Access-Control-Allow-Origin"], "https://console.example.com")
      << "a browser must be able to read the error";
  http::Response other = Send("GET", "/apps", {{"Origin", "https://evil.example.com"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.headers.count("Access-Control-Allow-Origin"), 0u);
}

}  // namespace
}  // namespace aether::api
