// API hardening: answers that map to 500/503 carry a reference instead of SQL, paths or
// exception text (the detail is logged); a throwing handler is a generic 500; 429 carries
// Retry-After; bad app names and key ids in paths answer 400 before any store is asked.
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "aether/api/api_test_util.h"
#include "aether/api/errors.h"

namespace aether::api {
namespace {

using ::testing::internal::CaptureStderr;
using ::testing::internal::GetCapturedStderr;

std::string Message(const http::Response& res) {
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  return j.is_object() ? j.value("message", "") : "";
}

std::string Code(const http::Response& res) {
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  return j.is_object() ? j.value("code", "") : "";
}

// The "err_…" reference in a generic message.
std::string Ref(const std::string& message) {
  auto at = message.find("ref err_");
  if (at == std::string::npos) return "";
  return message.substr(at + 4, 4 + 16);
}

TEST(ErrorsNoLeak, InternalIsGenericAndLoggedUnderARef) {
  CaptureStderr();
  auto res = ErrorResponse(
      Internal("sqlite: no such column: SELECT secret FROM tokens (/var/lib/aether/meta.db)"));
  const std::string log = GetCapturedStderr();
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(Code(res), "internal");
  for (const char* leak : {"SELECT", "sqlite", "/var/lib", "secret"}) {
    EXPECT_EQ(res.body.find(leak), std::string::npos) << leak << ": " << res.body;
  }
  const std::string ref = Ref(Message(res));
  ASSERT_EQ(ref.size(), 20U) << Message(res);
  EXPECT_TRUE(Message(res).starts_with("internal error (ref err_")) << Message(res);
  EXPECT_NE(log.find(ref), std::string::npos) << log;
  EXPECT_NE(log.find("SELECT secret FROM tokens"), std::string::npos) << log;
}

TEST(ErrorsNoLeak, UnavailableAndDeployFailedAreGeneric) {
  CaptureStderr();
  auto unavailable =
      ErrorResponse(Unavailable("cannot open SQLite database /data/aether.db: disk I/O error"));
  auto deploy = ErrorResponse({ErrorCode::kDeployFailed, "std::bad_alloc in /opt/x"});
  (void)GetCapturedStderr();
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(Code(unavailable), "service_unavailable");
  EXPECT_EQ(unavailable.body.find("/data"), std::string::npos) << unavailable.body;
  EXPECT_EQ(unavailable.body.find("SQLite"), std::string::npos) << unavailable.body;
  EXPECT_NE(Message(unavailable).find("(ref err_"), std::string::npos);
  EXPECT_EQ(deploy.status, 500);
  EXPECT_EQ(deploy.body.find("bad_alloc"), std::string::npos) << deploy.body;
  // Two answers, two references.
  EXPECT_NE(Ref(Message(unavailable)), Ref(Message(deploy)));
}

TEST(ErrorsNoLeak, ClientErrorsKeepTheirMessage) {
  auto res = ErrorResponse(NotFound("app 'web' not found"));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(Message(res), "app 'web' not found");
  EXPECT_EQ(ErrorResponse(InvalidArgument("field 'name' must be a string")).status, 400);
}

TEST(RateLimited, Is429WithRetryAfter) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kRateLimited), "rate_limited");
  auto res = RateLimitedResponse(std::chrono::seconds(30));
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(Code(res), "rate_limited");
  EXPECT_EQ(res.headers["Retry-After"], "30");
  EXPECT_NE(Message(res).find("retry in 30s"), std::string::npos) << res.body;
  EXPECT_EQ(RateLimitedResponse(std::chrono::seconds(0)).headers["Retry-After"], "1");
}

class HardeningApiTest : public ApiTest {};

TEST_F(HardeningApiTest, ThrowingHandlerIsAGeneric500) {
  api.Route("GET", "/boom", Access::kPublic, [](http::Request&) -> http::Response {
    throw std::runtime_error("SELECT secret FROM tokens WHERE path='/var/lib/aether'");
  });
  api.Route("GET", "/boom-int", Access::kPublic,
            [](http::Request&) -> http::Response { throw 42; });
  CaptureStderr();
  auto res = Call("GET", "/boom", "");
  auto odd = Call("GET", "/boom-int", "");
  const std::string log = GetCapturedStderr();
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(Code(res), "internal");
  EXPECT_EQ(res.body.find("SELECT"), std::string::npos) << res.body;
  EXPECT_EQ(res.body.find("/var/lib"), std::string::npos) << res.body;
  const std::string ref = Ref(Message(res));
  ASSERT_FALSE(ref.empty()) << res.body;
  EXPECT_NE(log.find(ref), std::string::npos) << log;
  EXPECT_NE(log.find("SELECT secret FROM tokens"), std::string::npos) << log;
  EXPECT_EQ(odd.status, 500);
  EXPECT_EQ(Code(odd), "internal");
}

// A concrete path for `pattern` with `app` as its {app}.
std::string Fill(const std::string& pattern, const std::string& app) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != '{') {
      out.push_back(pattern[i++]);
      continue;
    }
    size_t close = pattern.find('}', i);
    std::string name = pattern.substr(i + 1, close - i - 1);
    if (name == "app") {
      out += app;
    } else if (name == "digest" || name == "id") {
      out += "sha256:" + std::string(64, 'a');
    } else if (name == "version") {
      out += "1";
    } else {
      out += "x1";
    }
    i = close + 1;
  }
  return out;
}

TEST_F(HardeningApiTest, BadAppNamesInPathsAre400OnEveryRoute) {
  // Bodies that decode, so the app name is what fails.
  const std::map<std::string, std::string> bodies = {
      {"PATCH /apps/{app}/config", R"({"A":"b"})"},
      {"POST /apps/{app}/scale", R"({"instances":1})"},
      {"POST /apps/{app}/public-keys", R"({"public_key":"pem"})"},
      {"POST /apps/{app}/artifacts", R"({"manifest":"{}"})"},
  };
  int routes = 0;
  for (const auto& [method, pattern] : api.Routes()) {
    if (pattern.find("{app}") == std::string::npos) continue;
    ++routes;
    auto body = bodies.find(method + " " + pattern);
    for (const std::string& bad :
         std::vector<std::string>{"Bad_Name", "under_score", "dot.name", "trailing-", "-lead",
                                  "9lives", std::string(64, 'a')}) {
      const std::string target = Fill(pattern, bad);
      auto res = Call(method, target, kAdminToken, body == bodies.end() ? "" : body->second);
      EXPECT_EQ(res.status, 400) << method << " " << target << ": " << res.body;
      EXPECT_EQ(Code(res), "invalid_argument") << method << " " << target;
      EXPECT_NE(Message(res).find("app name"), std::string::npos) << res.body;
    }
  }
  EXPECT_GE(routes, 10) << "the route table changed shape; check Fill()";
}

TEST_F(HardeningApiTest, BadKeyIdIs400) {
  ASSERT_TRUE(apps.Create("web").ok());
  for (const std::string& id :
       std::vector<std::string>{"not-an-id", "sha256:XYZ", "sha256:" + std::string(63, 'a')}) {
    auto res = Call("DELETE", "/apps/web/public-keys/" + id);
    EXPECT_EQ(res.status, 400) << id << ": " << res.body;
    EXPECT_NE(Message(res).find("invalid key id"), std::string::npos) << res.body;
  }
  auto unknown = Call("DELETE", "/apps/web/public-keys/sha256:" + std::string(64, 'b'));
  EXPECT_EQ(unknown.status, 404) << unknown.body;
}

TEST_F(HardeningApiTest, ConfigVarNamesAreEnvironmentNames) {
  ASSERT_TRUE(apps.Create("web").ok());
  for (const std::string& name :
       std::vector<std::string>{"lower_ok", "_UNDER", "A1", std::string(255, 'A')}) {
    auto res = Call("PATCH", "/apps/web/config", kAdminToken, "{\"" + name + "\":\"v\"}");
    // Nothing deployed yet: the name passes and the change is refused for another reason.
    EXPECT_NE(res.status, 500) << name;
    EXPECT_EQ(Message(res).find("config var name"), std::string::npos) << name << res.body;
  }
  for (const std::string& name :
       std::vector<std::string>{"1A", "A-B", "A B", "A.B", "Ä", std::string(256, 'A')}) {
    auto res = Call("PATCH", "/apps/web/config", kAdminToken, "{\"" + name + "\":\"v\"}");
    EXPECT_EQ(res.status, 400) << name << ": " << res.body;
    EXPECT_NE(Message(res).find("config var name"), std::string::npos) << res.body;
  }
}

}  // namespace
}  // namespace aether::api
