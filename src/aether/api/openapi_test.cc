// The OpenAPI document (openapi.json, embedded) against the Api's real route table: every route
// is documented and every documented operation is served, and the routes documented as public
// (or pull) are exactly those the Api lets in without a token (or with a pull token).
// HEAD: a route registered for HEAD must be documented as a `head` operation; the HEAD that the
// router answers for every GET route is implied by the GET and not documented separately.
#include "aether/api/openapi.h"

#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "aether/api/api_test_util.h"

namespace aether::api {
namespace {

const char* const kMethods[] = {"get",     "put",  "post",  "delete",
                                "options", "head", "patch", "trace"};

// "/apps/{app}/releases/{version}" → "/apps/{}/releases/{}": parameter names do not matter,
// only their positions.
std::string Shape(const std::string& pattern) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      out += "{}";
      i = pattern.find('}', i);
      if (i == std::string::npos) break;
      ++i;
    } else {
      out += pattern[i++];
    }
  }
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A concrete path for a pattern, with a plausible value in each capture.
std::string Concrete(const std::string& pattern) {
  std::string out = pattern;
  const std::pair<const char*, std::string> values[] = {
      {"{app}", "web"},     {"{digest}", "sha256:" + std::string(64, '0')},
      {"{id}", "x"},        {"{version}", "1"},
      {"{upload_id}", "u"}, {"{part}", "1"}};
  for (const auto& [name, value] : values) {
    for (size_t at; (at = out.find(name)) != std::string::npos;) {
      out.replace(at, std::string(name).size(), value);
    }
  }
  return out;
}

struct Operation {
  std::string method;  // "GET"
  std::string path;    // as documented
  std::string access;  // x-aether-access
};

std::vector<Operation> DocumentedOperations(const nlohmann::json& doc) {
  std::vector<Operation> out;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const char* method : kMethods) {
      if (!item.contains(method)) continue;
      out.push_back({Upper(method), path, item[method].value("x-aether-access", "")});
    }
  }
  return out;
}

class OpenApiTest : public ApiTest {
 protected:
  nlohmann::json doc = nlohmann::json::parse(OpenApiDocument(), nullptr, false);
};

TEST_F(OpenApiTest, DocumentIsOpenApi31) {
  ASSERT_FALSE(doc.is_discarded()) << "openapi.json is not JSON";
  EXPECT_EQ(doc.value("openapi", ""), "3.1.0");
  EXPECT_TRUE(doc.contains("paths"));
  EXPECT_TRUE(doc["components"]["schemas"].contains("Error"));
}

TEST_F(OpenApiTest, EveryRouteIsDocumentedAndEveryOperationIsServed) {
  ASSERT_FALSE(doc.is_discarded());
  std::set<std::pair<std::string, std::string>> routes, documented;
  for (const auto& [method, pattern] : api.Routes()) routes.insert({method, Shape(pattern)});
  for (const Operation& op : DocumentedOperations(doc)) {
    EXPECT_TRUE(documented.insert({op.method, Shape(op.path)}).second)
        << op.method << " " << op.path << " is documented twice";
  }
  ASSERT_GT(routes.size(), 30u);
  for (const auto& [method, shape] : routes) {
    EXPECT_TRUE(documented.count({method, shape}))
        << method << " " << shape << " is served but missing from openapi.json";
  }
  for (const auto& [method, shape] : documented) {
    EXPECT_TRUE(routes.count({method, shape}))
        << method << " " << shape << " is in openapi.json but no route serves it";
  }
}

// The documented level is the one the route declares (whose enforcement, credential by
// credential, access_matrix_test checks), and anonymous callers get 401 on every non-public one.
TEST_F(OpenApiTest, DocumentedAccessIsWhatTheApiEnforces) {
  ASSERT_FALSE(doc.is_discarded());
  static const std::map<std::string, Access> kLevels = {
      {"public", Access::kPublic}, {"any", Access::kAny},       {"pull", Access::kPull},
      {"read", Access::kRead},     {"deploy", Access::kDeploy}, {"admin", Access::kAdmin}};
  std::map<std::string, std::string> pattern_of;  // "GET /apps/{}" → "/apps/{app}"
  for (const auto& [method, pattern] : api.Routes())
    pattern_of[method + " " + Shape(pattern)] = pattern;
  int checked = 0;
  for (const Operation& op : DocumentedOperations(doc)) {
    const std::string what = op.method + " " + op.path + " (" + op.access + ")";
    auto level = kLevels.find(op.access);
    ASSERT_NE(level, kLevels.end()) << what;
    auto pattern = pattern_of.find(op.method + " " + Shape(op.path));
    ASSERT_NE(pattern, pattern_of.end()) << what;
    EXPECT_EQ(api.AccessOf(op.method, pattern->second), level->second) << what;
    http::Response anonymous = Call(op.method, Concrete(op.path), "");
    if (op.access == "public") {
      EXPECT_NE(anonymous.status, 401) << what << " asks for a token";
      continue;
    }
    EXPECT_EQ(anonymous.status, 401) << what << " lets anonymous callers in";
    ++checked;
  }
  EXPECT_GT(checked, 30);
}

TEST_F(OpenApiTest, PublicIffSecurityIsEmpty) {
  ASSERT_FALSE(doc.is_discarded());
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const char* method : kMethods) {
      if (!item.contains(method)) continue;
      const auto& op = item[method];
      const bool open = op.contains("security") && op["security"].empty();
      EXPECT_EQ(open, op.value("x-aether-access", "") == "public") << method << " " << path;
    }
  }
}

TEST_F(OpenApiTest, ServedAtOpenApiJsonWithoutAToken) {
  http::Response res = Call("GET", "/openapi.json", "");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers["Content-Type"], "application/json");
  EXPECT_EQ(res.body, OpenApiDocument());
}

}  // namespace
}  // namespace aether::api
