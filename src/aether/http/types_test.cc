// Unit tests for the http value types: case-insensitive headers, percent coding, target
// parsing, response builders and the JSON error envelope.
#include "aether/http/types.h"

#include <gtest/gtest.h>

#include "aether/http/envelope.h"

namespace aether::http {
namespace {

TEST(Types, HeadersAreCaseInsensitive) {
  Request req;
  req.headers["Content-Type"] = "application/json";
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(req.Header("Accept"), "");
  req.headers["content-type"] = "text/plain";
  EXPECT_EQ(req.headers.size(), 1u);
  EXPECT_TRUE(CaseInsensitiveLess()("abc", "ABD"));
  EXPECT_FALSE(CaseInsensitiveLess()("ABC", "abc"));
  EXPECT_TRUE(CaseInsensitiveLess()("ab", "ABC"));
}

TEST(Types, QueryAndParams) {
  Request req;
  req.query["limit"] = "2";
  req.params["app"] = "web";
  EXPECT_EQ(req.Query("limit"), "2");
  EXPECT_FALSE(req.Query("missing").has_value());
  EXPECT_EQ(req.Param("app"), "web");
  EXPECT_EQ(req.Param("nope"), "");
}

TEST(Types, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b+c"), "a b+c");
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("%41%7a%7A"), "Azz");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%e2%82%ac"), "\xe2\x82\xac");
}

TEST(Types, PercentEncode) {
  EXPECT_EQ(PercentEncode("az-AZ_09.~"), "az-AZ_09.~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(PercentEncode("\xe2\x82\xac"), "%E2%82%AC");
  EXPECT_EQ(PercentDecode(PercentEncode("sha256:abc def+")), "sha256:abc def+");
}

TEST(Types, ParseTarget) {
  std::string path;
  std::map<std::string, std::string> query;
  ParseTarget("/apps/my%20app/logs?follow=true&tail_lines=10&q=a+b%2Bc&flag&x=1&x=2", &path,
              &query);
  EXPECT_EQ(path, "/apps/my app/logs");
  EXPECT_EQ(query.size(), 5u);
  EXPECT_EQ(query["follow"], "true");
  EXPECT_EQ(query["tail_lines"], "10");
  EXPECT_EQ(query["q"], "a b+c");
  EXPECT_EQ(query["flag"], "");
  EXPECT_EQ(query["x"], "2");

  ParseTarget("/plain", &path, &query);
  EXPECT_EQ(path, "/plain");
  EXPECT_TRUE(query.empty());

  ParseTarget("http://example.com:8080/a+b?k=v#frag", &path, &query);
  EXPECT_EQ(path, "/a+b");
  EXPECT_EQ(query["k"], "v");

  ParseTarget("?only=query", &path, &query);
  EXPECT_EQ(path, "/");
  EXPECT_EQ(query["only"], "query");
  ParseTarget("/x?&&a=%3D&", &path, nullptr);
  EXPECT_EQ(path, "/x");
}

TEST(Types, ResponseBuilders) {
  Response json = Response::Json(201, R"({"a":1})");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.body, R"({"a":1})");
  EXPECT_EQ(json.headers["content-type"], "application/json");
  Response text = Response::Text(200, "hi");
  EXPECT_EQ(text.headers["Content-Type"], "text/plain; charset=utf-8");
  Response html = Response::Text(200, "<p>", "text/html");
  EXPECT_EQ(html.headers["Content-Type"], "text/html");
  EXPECT_FALSE(html.stream);
}

TEST(Types, ErrorEnvelope) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
  Response res = ErrorEnvelope(404, "not_found", "no app \"x\"");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, R"({"code":"not_found","message":"no app \"x\""})");
  EXPECT_EQ(res.headers["Content-Type"], "application/json");
}

TEST(Types, JsonQuoteKeepsUtf8AndReplacesIllFormedBytes) {
  EXPECT_EQ(JsonQuote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\"");
  EXPECT_EQ(JsonQuote("a\xff"
                      "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(JsonQuote("\xc3"), R"("\ufffd")");                      // truncated sequence
  EXPECT_EQ(JsonQuote("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
}

}  // namespace
}  // namespace aether::http
