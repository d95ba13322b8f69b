// Strict JSON decoding, table-driven over every route that reads a JSON body: malformed and
// non-object bodies, missing fields, wrong types, out-of-range numbers and bad names answer 400
// with the envelope naming the field, never 500. A new POST/PATCH/PUT route must add an entry
// (or be listed as a raw-bytes route) or the coverage test fails.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "aether/api/api_test_util.h"

namespace aether::api {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

struct BadBody {
  std::string body;
  std::string names;  // a substring the error message must hold (the field, or the name)
};

struct BodyRoute {
  std::string method;
  std::string pattern;  // as registered
  std::string target;   // a concrete path for it
  bool empty_body_ok;   // an empty body is accepted (rollback, rotate)
  std::vector<BadBody> bad;
};

// Routes whose body is raw bytes, not JSON.
const std::set<std::pair<std::string, std::string>> kRawBodyRoutes = {
    {"PUT", "/blobs/{digest}"},
    {"PUT", "/blobs/uploads/{upload_id}/{part}"},
};

std::vector<BodyRoute> Table() {
  const std::vector<BadBody> digest_and_size = {
      {R"({})", "'digest'"},
      {R"({"digest":42})", "'digest'"},
      {R"({"digest":["x"]})", "'digest'"},
      {R"({"digest":""})", "'digest'"},
      {R"({"digest":")" + kDigest + R"(","size":"10"})", "'size'"},
      {R"({"digest":")" + kDigest + R"(","size":-1})", "'size'"},
      {R"({"digest":")" + kDigest + R"(","size":1.5})", "'size'"},
      {R"({"digest":")" + kDigest + R"(","size":18446744073709551615})", "'size'"},
      {R"({"digest":")" + kDigest + R"(","size":{"n":1}})", "'size'"},
  };
  return {
      {"POST",
       "/apps",
       "/apps",
       false,
       {{R"({})", "'name'"},
        {R"({"name":42})", "'name'"},
        {R"({"name":["web"]})", "'name'"},
        {R"({"name":{"first":"web"}})", "'name'"},
        {R"({"name":null})", "'name'"},
        {R"({"name":""})", "'name'"},
        {R"({"name":"Bad_Name"})", "'Bad_Name'"},
        {R"({"name":"web-"})", "'web-'"}}},
      {"POST",
       "/deployments",
       "/deployments",
       false,
       {{R"({"artifact":")" + kDigest + R"("})", "'app'"},
        {R"({"app":7,"artifact":")" + kDigest + R"("})", "'app'"},
        {R"({"app":"Web!","artifact":")" + kDigest + R"("})", "'Web!'"},
        {R"({"app":"web"})", "'artifact'"},
        {R"({"app":"web","artifact":true})", "'artifact'"},
        {R"({"app":"web","artifact":")" + kDigest + R"(","config":[1]})", "'config'"},
        {R"({"app":"web","artifact":")" + kDigest + R"(","config":"A=1"})", "'config'"},
        {R"({"app":"web","artifact":")" + kDigest + R"(","config":{"A":1}})", "'config.A'"},
        {R"({"app":"web","artifact":")" + kDigest + R"(","config":{"A":{"x":"y"}}})", "'config.A'"},
        {R"({"app":"web","artifact":")" + kDigest + R"(","config":{"1BAD":"x"}})", "'1BAD'"},
        {R"({"app":"web","artifact":")" + kDigest + R"(","strategy":5})", "'strategy'"}}},
      {"PATCH",
       "/apps/{app}/config",
       "/apps/web/config",
       false,
       {{R"({"A":1})", "'A'"},
        {R"({"A":["x"]})", "'A'"},
        {R"({"A":{"nested":"x"}})", "'A'"},
        {R"({"A":true})", "'A'"},
        {R"({"bad-name":"x"})", "'bad-name'"},
        {R"({"9LIVES":"x"})", "'9LIVES'"},
        {R"({"":"x"})", "''"},
        {R"({")" + std::string(256, 'A') + R"(":"x"})", "1-255 characters"}}},
      {"POST",
       "/apps/{app}/scale",
       "/apps/web/scale",
       false,
       {{R"({})", "'instances'"},
        {R"({"instances":"3"})", "'instances'"},
        {R"({"instances":-1})", "'instances'"},
        {R"({"instances":0})", "'instances'"},
        {R"({"instances":101})", "'instances'"},
        {R"({"instances":3.5})", "'instances'"},
        {R"({"instances":1e20})", "'instances'"},
        {R"({"instances":18446744073709551615})", "'instances'"},
        {R"({"instances":-9223372036854775808})", "'instances'"},
        {R"({"instances":[3]})", "'instances'"}}},
      {"POST",
       "/apps/{app}/rollback",
       "/apps/web/rollback",
       true,
       {{R"({"version":true})", "'version'"},
        {R"({"version":-1})", "'version'"},
        {R"({"version":0})", "'version'"},
        {R"({"version":"abc"})", "'version'"},
        {R"({"version":{"n":3}})", "'version'"},
        {R"({"version":1.5})", "'version'"},
        {R"({"version":18446744073709551615})", "'version'"}}},
      {"POST",
       "/apps/{app}/public-keys",
       "/apps/web/public-keys",
       false,
       {{R"({})", "'public_key'"},
        {R"({"public_key":5})", "'public_key'"},
        {R"({"public_key":"pem","name":42})", "'name'"},
        {R"({"public_key":"pem","name":["a"]})", "'name'"},
        {R"({"public_key":"pem","name":"line\nbreak"})", "'name'"},
        {R"({"public_key":"pem","name":")" + std::string(201, 'k') + R"("})", "'name'"}}},
      {"POST",
       "/artifacts/missing",
       "/artifacts/missing",
       false,
       {{R"({})", "'digests'"},
        {R"({"digests":"x"})", "'digests'"},
        {R"({"digests":{"a":"b"}})", "'digests'"},
        {R"({"digests":[")" + kDigest + R"(",1]})", "'digests[1]'"}}},
      {"POST", "/artifacts/presign", "/artifacts/presign", false, digest_and_size},
      {"POST", "/artifacts/complete", "/artifacts/complete", false, digest_and_size},
      {"POST", "/artifacts/uploads", "/artifacts/uploads", false, digest_and_size},
      {"POST",
       "/artifacts/uploads/{upload_id}/complete",
       "/artifacts/uploads/up_1/complete",
       false,
       {{R"({})", "'parts'"},
        {R"({"parts":{}})", "'parts'"},
        {R"({"parts":[1]})", "'parts[0]'"},
        {R"({"parts":[{"number":"1","etag":"e"}]})", "'parts[0].number'"},
        {R"({"parts":[{"etag":"e"}]})", "'parts[0].number'"},
        {R"({"parts":[{"number":0,"etag":"e"}]})", "'parts[0].number'"},
        {R"({"parts":[{"number":99999999999,"etag":"e"}]})", "'parts[0].number'"},
        {R"({"parts":[{"number":1,"etag":"e"},{"number":2,"etag":5}]})", "'parts[1].etag'"}}},
      {"POST",
       "/apps/{app}/artifacts",
       "/apps/web/artifacts",
       false,
       {{R"({"manifest":5})", "'manifest'"},
        {R"({"manifest":{"version":1}})", "'manifest'"},
        {R"({"manifest":"{}","signature":"sig"})", "'signature'"},
        {R"({"manifest":"{}","sbom":[1]})", "'sbom'"},
        {R"({"manifest":"{}","provenance":7})", "'provenance'"},
        {R"({"manifest":"{}","digest":5})", "'digest'"}}},
      {"POST",
       "/tokens",
       "/tokens",
       false,
       {{R"({"scope":"read"})", "'name'"},
        {R"({"name":5,"scope":"read"})", "'name'"},
        {R"({"name":"ci","scope":5})", "'scope'"},
        {R"({"name":"ci","scope":"read","apps":"web"})", "'apps'"},
        {R"({"name":"ci","scope":"read","apps":[1]})", "'apps'"},
        {R"({"name":"ci","scope":"read","expires_in_seconds":"60"})", "'expires_in_seconds'"},
        {R"({"name":"ci","scope":"read","expires_in_seconds":-1})", "'expires_in_seconds'"}}},
      {"POST",
       "/tokens/{id}/rotate",
       "/tokens/tok_1/rotate",
       true,
       {{R"({"grace_seconds":"60"})", "'grace_seconds'"},
        {R"({"grace_seconds":-5})", "'grace_seconds'"},
        {R"({"grace_seconds":[1]})", "'grace_seconds'"}}},
  };
}

// Bodies no JSON-body route accepts.
const std::vector<std::string> kNotAnObject = {"{",        "{\"a\":",  "[]",      "[1,2]",
                                               "\"text\"", "42",       "null",    "true",
                                               "{}}",      "\xff\xfe", "{'a':1}", "{\"a\":1,}"};

class JsonDecodeTest : public ApiTest {
 protected:
  void ExpectBadRequest(const BodyRoute& r, const std::string& body, const std::string& names) {
    SCOPED_TRACE(r.method + " " + r.target + " body: " + body.substr(0, 120));
    auto res = Call(r.method, r.target, kAdminToken, body);
    EXPECT_EQ(res.status, 400) << res.body;
    auto j = nlohmann::json::parse(res.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << res.body;
    EXPECT_EQ(j.value("code", ""), "invalid_argument") << res.body;
    EXPECT_NE(j.value("message", "").find(names), std::string::npos)
        << "message should name " << names << ": " << res.body;
  }
};

TEST_F(JsonDecodeTest, EveryJsonBodyRouteHasAnEntry) {
  std::set<std::pair<std::string, std::string>> covered;
  for (const auto& r : Table()) covered.emplace(r.method, r.pattern);
  for (const auto& [method, pattern] : api.Routes()) {
    if (method != "POST" && method != "PATCH" && method != "PUT") continue;
    if (kRawBodyRoutes.count({method, pattern}) != 0) continue;
    EXPECT_EQ(covered.count({method, pattern}), 1U)
        << method << " " << pattern
        << " reads a body: add it to Table() in json_decode_test.cc (or to kRawBodyRoutes)";
  }
  std::set<std::pair<std::string, std::string>> registered;
  for (const auto& route : api.Routes()) registered.insert(route);
  for (const auto& r : Table()) {
    EXPECT_EQ(registered.count({r.method, r.pattern}), 1U)
        << r.method << " " << r.pattern << " is in the table but not registered";
  }
}

TEST_F(JsonDecodeTest, MalformedAndNonObjectBodies) {
  for (const auto& r : Table()) {
    for (const auto& body : kNotAnObject) ExpectBadRequest(r, body, "JSON");
    if (!r.empty_body_ok) ExpectBadRequest(r, "", "JSON");
  }
}

TEST_F(JsonDecodeTest, WrongFieldsAreNamed) {
  ASSERT_TRUE(apps.Create("web").ok());
  for (const auto& r : Table()) {
    for (const auto& bad : r.bad) ExpectBadRequest(r, bad.body, bad.names);
  }
}

}  // namespace
}  // namespace aether::api
