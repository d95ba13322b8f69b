// PublicUrlFor: configured URL first, then the request's own scheme and Host.
#include "aether/api/public_url.h"

#include <gtest/gtest.h>

namespace aether::api {
namespace {

http::Request WithHeaders(std::initializer_list<std::pair<std::string, std::string>> headers) {
  http::Request req;
  for (const auto& [k, v] : headers) req.headers[k] = v;
  return req;
}

TEST(PublicUrl, ConfiguredUrlWins) {
  PublicUrlOptions o{"https://aether.example.com", false, "http://0.0.0.0:7070"};
  EXPECT_EQ(PublicUrlFor(o, WithHeaders({{"Host", "10.0.0.7:7070"}})),
            "https://aether.example.com");
}

TEST(PublicUrl, FollowsTheHostTheClientUsed) {
  PublicUrlOptions o{"", false, "http://0.0.0.0:7070"};
  EXPECT_EQ(PublicUrlFor(o, WithHeaders({{"Host", "10.244.0.2:7070"}})), "http://10.244.0.2:7070");
  EXPECT_EQ(PublicUrlFor(
                o, WithHeaders({{"Host", "aether.example.com"}, {"X-Forwarded-Proto", "https"}})),
            "https://aether.example.com");
  EXPECT_EQ(PublicUrlFor(o, WithHeaders({{"Host", "[::1]:7070"}})), "http://[::1]:7070");
  o.tls = true;
  EXPECT_EQ(PublicUrlFor(o, WithHeaders({{"Host", "localhost:7443"}})), "https://localhost:7443");
}

TEST(PublicUrl, FallsBackWithoutAUsableHost) {
  PublicUrlOptions o{"", false, "http://127.0.0.1:7070"};
  EXPECT_EQ(PublicUrlFor(o, WithHeaders({})), "http://127.0.0.1:7070");
  EXPECT_EQ(PublicUrlFor(o, WithHeaders({{"Host", "evil.example/path?x"}})),
            "http://127.0.0.1:7070");
  EXPECT_EQ(PublicUrlFor(o, WithHeaders({{"Host", "a b"}})), "http://127.0.0.1:7070");
}

}  // namespace
}  // namespace aether::api
