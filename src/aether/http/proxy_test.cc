// Tests for Forward: an upstream Beast server that echoes what it received, checked for
// preserved method/target/body/headers, dropped hop-by-hop headers and forwarding headers.
#include "aether/http/proxy.h"

#include <gtest/gtest.h>

#include <thread>

#include "aether/http/client.h"
#include "aether/http/server.h"

namespace aether::http {
namespace {

using namespace std::chrono_literals;

// Answers with the request it saw: "METHOD target\nname: value\n…\n\nbody".
Response Echo(Request& req) {
  if (req.path == "/slow") std::this_thread::sleep_for(1s);
  std::string text = req.method + " " + req.target + "\n";
  for (const auto& [name, value] : req.headers) text += name + ": " + value + "\n";
  Response res = Response::Text(req.path == "/created" ? 201 : 200, text + "\n" + req.body);
  res.headers["X-Upstream"] = "yes";
  res.headers["Set-Cookie"] = "a=1\nb=2";
  return res;
}

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = StartServer({}, &Echo);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    upstream_ = std::move(server).value();
  }
  std::unique_ptr<Server> upstream_;
};

TEST_F(ProxyTest, PreservesTheRequestAndAddsForwardingHeaders) {
  Request req;
  req.method = "PUT";
  req.target = "/created?x=1&y=a%20b";
  ParseTarget(req.target, &req.path, &req.query);
  req.headers["Host"] = "web.localhost:7080";
  req.headers["X-Custom"] = "kept";
  req.headers["Content-Type"] = "text/plain";
  req.headers["Connection"] = "keep-alive, X-Private";
  req.headers["X-Private"] = "dropped";
  req.headers["Keep-Alive"] = "timeout=5";
  req.headers["TE"] = "trailers";
  req.headers["Trailer"] = "X";
  req.headers["Upgrade"] = "websocket";
  req.headers["Proxy-Authorization"] = "secret";
  req.headers["Content-Length"] = "999";
  req.body = "payload";
  req.remote_addr = "10.1.2.3";
  auto res = Forward(req, "127.0.0.1", upstream_->port(), 5s);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 201);
  const std::string& seen = res->body;
  EXPECT_TRUE(seen.starts_with("PUT /created?x=1&y=a%20b\n")) << seen;
  EXPECT_TRUE(seen.ends_with("\n\npayload")) << seen;
  EXPECT_NE(seen.find("Host: web.localhost:7080\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Custom: kept\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Content-Type: text/plain\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Content-Length: 7\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Forwarded-For: 10.1.2.3\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Forwarded-Host: web.localhost:7080\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Forwarded-Proto: http\n"), std::string::npos) << seen;
  for (const char* gone : {"X-Private", "Keep-Alive", "TE:", "Trailer", "Upgrade", "Proxy-"}) {
    EXPECT_EQ(seen.find(gone), std::string::npos) << gone << " in " << seen;
  }
  EXPECT_EQ(seen.find("Connection: keep-alive"), std::string::npos) << seen;
  EXPECT_EQ(res->headers["X-Upstream"], "yes");
  EXPECT_EQ(res->headers["Set-Cookie"], "a=1\nb=2");
  EXPECT_EQ(res->headers.count("Connection"), 0u);
}

TEST_F(ProxyTest, AppendsToAnExistingForwardedFor) {
  Request req;
  req.method = "GET";
  req.target = "/";
  req.headers["X-Forwarded-For"] = "1.1.1.1";
  req.remote_addr = "127.0.0.1";
  auto res = Forward(req, "127.0.0.1", upstream_->port(), 5s);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_NE(res->body.find("X-Forwarded-For: 1.1.1.1, 127.0.0.1\n"), std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("Host: 127.0.0.1:"), std::string::npos) << res->body;
}

TEST_F(ProxyTest, HeadKeepsTheUpstreamLength) {
  Request req;
  req.method = "HEAD";
  req.target = "/thing";
  auto res = Forward(req, "127.0.0.1", upstream_->port(), 5s);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "");
  EXPECT_NE(res->headers["Content-Length"], "0");
  EXPECT_FALSE(res->headers["Content-Length"].empty());
}

TEST_F(ProxyTest, ConnectionRefusedIsUnavailable) {
  int port = upstream_->port();
  upstream_->Stop();
  Request req;
  req.method = "GET";
  req.target = "/";
  auto res = Forward(req, "127.0.0.1", port, 2s);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), ErrorCode::kUnavailable) << res.status().ToString();
}

TEST_F(ProxyTest, SlowUpstreamTimesOut) {
  Request req;
  req.method = "GET";
  req.target = "/slow";
  auto start = std::chrono::steady_clock::now();
  auto res = Forward(req, "127.0.0.1", upstream_->port(), 200ms);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), ErrorCode::kTimeout) << res.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
}

TEST_F(ProxyTest, ThroughAFrontServer) {
  int upstream_port = upstream_->port();
  auto front = StartServer({}, [&](Request& req) -> Response {
    auto res = Forward(req, "127.0.0.1", upstream_port, 5s);
    if (!res.ok()) return Response::Text(502, res.status().ToString());
    return std::move(res).value();
  });
  ASSERT_TRUE(front.ok());
  ClientRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string((*front)->port()) + "/created?q=1";
  req.body = std::string(100000, 'z');
  auto res = NewClient()->Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 201);
  EXPECT_TRUE(res->body.starts_with("POST /created?q=1\n")) << res->body.substr(0, 200);
  EXPECT_TRUE(res->body.ends_with(req.body));
  EXPECT_NE(res->body.find("X-Forwarded-For: 127.0.0.1\n"), std::string::npos);
  EXPECT_EQ(res->headers["X-Upstream"], "yes");
  EXPECT_EQ(res->headers["Set-Cookie"], "b=2");  // both lines arrive; the client keeps the last
}

}  // namespace
}  // namespace aether::http
