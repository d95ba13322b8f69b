// CORS: origin parsing, preflight answers (allowed, denied origin/method/path, header
// filtering) and decoration of normal responses.
#include "aether/api/cors.h"

#include <gtest/gtest.h>

namespace aether::api {
namespace {

CorsPolicy Policy(std::string_view csv) {
  auto p = ParseCorsOrigins(csv);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : CorsPolicy{};
}

http::Request Req(const std::string& method, const std::string& origin,
                  const std::string& request_method = "", const std::string& request_headers = "") {
  http::Request req;
  req.method = method;
  req.path = "/apps";
  if (!origin.empty()) req.headers["Origin"] = origin;
  if (!request_method.empty()) req.headers["Access-Control-Request-Method"] = request_method;
  if (!request_headers.empty()) req.headers["Access-Control-Request-Headers"] = request_headers;
  return req;
}

bool HasAnyCorsHeader(const http::Response& res) {
  for (const auto& [name, value] : res.headers) {
    if (name.rfind("Access-Control-", 0) == 0) return true;
  }
  return false;
}

const std::vector<std::string> kAppsMethods = {"GET", "POST"};

TEST(CorsParse, ListsAndWildcard) {
  auto p = Policy(" https://App.Example.com , http://localhost:3000,http://[::1]:8080");
  EXPECT_TRUE(p.enabled());
  EXPECT_FALSE(p.any_origin);
  EXPECT_EQ(p.origins, (std::vector<std::string>{"https://app.example.com", "http://localhost:3000",
                                                 "http://[::1]:8080"}));
  EXPECT_TRUE(Policy("*").any_origin);
  EXPECT_FALSE(Policy("").enabled());
  EXPECT_FALSE(Policy("  ").enabled());
}

TEST(CorsParse, RejectsBadEntriesByName) {
  for (const char* bad :
       {"https://app.example.com/", "https://app.example.com/path", "app.example.com",
        "ftp://files.example.com", "https://", "https://host:", "https://host:99999",
        "https://host:http", "https://user@host", "https://ho st", "https://host?x=1"}) {
    auto p = ParseCorsOrigins(std::string("http://ok.example.com,") + bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(std::string("'") + bad + "'"), std::string::npos)
        << p.status().message();
    EXPECT_NE(p.status().message().find("entry 2"), std::string::npos) << p.status().message();
  }
  auto empty = ParseCorsOrigins("http://a.example.com,,http://b.example.com");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("entry 2 is empty"), std::string::npos);
  auto mixed = ParseCorsOrigins("*,http://a.example.com");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("'*' must be the only entry"), std::string::npos);
  EXPECT_FALSE(ParseCorsOrigins("*,*").ok());
}

TEST(CorsDecorate, AllowedOriginGetsHeadersWithCredentials) {
  auto p = Policy("https://app.example.com");
  http::Response res;
  DecorateCors(p, Req("GET", "https://app.example.com"), res);
  EXPECT_EQ(res.headers["Access-Control-Allow-Origin"], "https://app.example.com");
  EXPECT_EQ(res.headers["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(res.headers["Vary"], "Origin");
  const std::string exposed = res.headers["Access-Control-Expose-Headers"];
  for (const char* h : {"Retry-After", "Idempotent-Replayed", "Location"}) {
    EXPECT_NE(exposed.find(h), std::string::npos) << h;
  }
}

TEST(CorsDecorate, KeepsAnExistingVary) {
  auto p = Policy("https://app.example.com");
  http::Response res;
  res.headers["Vary"] = "Accept-Encoding";
  DecorateCors(p, Req("GET", "https://app.example.com"), res);
  EXPECT_EQ(res.headers["Vary"], "Accept-Encoding, Origin");
}

TEST(CorsDecorate, DisallowedOrAbsentOriginLeavesResponseUntouched) {
  auto p = Policy("https://app.example.com");
  for (const char* origin : {"https://evil.example.com", "http://app.example.com",
                             "https://app.example.com:8443", "null", ""}) {
    http::Response res = http::Response::Json(200, "{}");
    DecorateCors(p, Req("GET", origin), res);
    EXPECT_FALSE(HasAnyCorsHeader(res)) << origin;
    EXPECT_EQ(res.headers.count("Vary"), 0U) << origin;
  }
  http::Response off;
  DecorateCors(CorsPolicy{}, Req("GET", "https://app.example.com"), off);
  EXPECT_FALSE(HasAnyCorsHeader(off));
}

TEST(CorsDecorate, WildcardHasNoCredentials) {
  http::Response res;
  DecorateCors(Policy("*"), Req("GET", "https://anyone.example.org"), res);
  EXPECT_EQ(res.headers["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(res.headers.count("Access-Control-Allow-Credentials"), 0U);
}

TEST(CorsPreflight, OnlyRealPreflights) {
  auto p = Policy("https://app.example.com");
  EXPECT_FALSE(Preflight(p, Req("GET", "https://app.example.com", "POST"), kAppsMethods));
  EXPECT_FALSE(Preflight(p, Req("OPTIONS", "", "POST"), kAppsMethods));
  EXPECT_FALSE(Preflight(p, Req("OPTIONS", "https://app.example.com"), kAppsMethods));
}

TEST(CorsPreflight, AllowedMethod) {
  auto p = Policy("https://app.example.com");
  auto res = Preflight(p, Req("OPTIONS", "https://app.example.com", "POST"), kAppsMethods);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->headers["Access-Control-Allow-Origin"], "https://app.example.com");
  EXPECT_EQ(res->headers["Access-Control-Allow-Methods"], "GET, POST");
  EXPECT_EQ(res->headers["Access-Control-Allow-Headers"],
            "Authorization, Content-Type, Idempotency-Key");
  EXPECT_EQ(res->headers["Access-Control-Max-Age"], "600");
  EXPECT_EQ(res->headers["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(res->headers["Vary"], "Origin");
}

TEST(CorsPreflight, HeadIsServedByGet) {
  auto res = Preflight(Policy("https://app.example.com"),
                       Req("OPTIONS", "https://app.example.com", "HEAD"), {"GET"});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->headers["Access-Control-Allow-Methods"], "GET, HEAD");
}

TEST(CorsPreflight, WildcardHasNoCredentials) {
  auto res = Preflight(Policy("*"), Req("OPTIONS", "https://x.example.org", "GET"), kAppsMethods);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_EQ(res->headers["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(res->headers.count("Access-Control-Allow-Credentials"), 0U);
}

TEST(CorsPreflight, RequestedHeadersAreFiltered) {
  auto p = Policy("https://app.example.com");
  auto res = Preflight(
      p, Req("OPTIONS", "https://app.example.com", "POST", "authorization, X-Evil ,content-type"),
      kAppsMethods);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->headers["Access-Control-Allow-Headers"], "Authorization, Content-Type");
  auto none = Preflight(p, Req("OPTIONS", "https://app.example.com", "POST", "X-Evil, Cookie"),
                        kAppsMethods);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->headers.count("Access-Control-Allow-Headers"), 0U);
}

void ExpectDenied(const std::optional<http::Response>& res, std::string_view why) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_FALSE(HasAnyCorsHeader(*res));
  EXPECT_NE(res->body.find("\"code\":\"permission_denied\""), std::string::npos) << res->body;
  EXPECT_NE(res->body.find(why), std::string::npos) << res->body;
}

TEST(CorsPreflight, DeniedMethodOriginAndPath) {
  auto p = Policy("https://app.example.com");
  ExpectDenied(Preflight(p, Req("OPTIONS", "https://app.example.com", "DELETE"), kAppsMethods),
               "method DELETE is not allowed");
  ExpectDenied(Preflight(p, Req("OPTIONS", "https://evil.example.com", "GET"), kAppsMethods),
               "origin https://evil.example.com is not allowed");
  ExpectDenied(Preflight(p, Req("OPTIONS", "https://app.example.com", "GET"), {}),
               "no route for /apps");
  ExpectDenied(
      Preflight(CorsPolicy{}, Req("OPTIONS", "https://app.example.com", "GET"), kAppsMethods),
      "is not allowed");
}

}  // namespace
}  // namespace aether::api
