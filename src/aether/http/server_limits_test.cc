// The server's request limits over a real socket: 431 for a huge header, 413 per route (by
// Content-Length before the body, and chunked as it arrives), 408 for a slowloris header and a
// stalled or trickling body, a slow but steady body accepted, and the silent idle close.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "aether/http/server.h"
#include "aether/http/test_util.h"

namespace aether::http {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::Start;

Response EchoSize(Request& req) { return Response::Text(200, std::to_string(req.body.size())); }

TEST(ServerLimits, HugeHeaderIs431) {
  ServerOptions options;  // default header_limit: 16 KiB
  auto server = Start(EchoSize, options);
  RawConnection ok(server->port());
  ASSERT_TRUE(
      ok.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n"));
  EXPECT_TRUE(ok.ReadResponse().starts_with("HTTP/1.1 200")) << "8 KB of header is fine";

  RawConnection raw(server->port());
  ASSERT_TRUE(
      raw.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  std::string text = raw.ReadResponse();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 431")) << text;
  EXPECT_NE(text.find(R"("code":"request_header_fields_too_large")"), std::string::npos) << text;
  EXPECT_TRUE(raw.ClosedWithin(3s));
}

class PerRouteLimit : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.body_limit_for = [this](const Request& head) -> size_t {
      if (!head.body.empty() || head.headers.count("Host") == 0) bad_head_ = true;
      return head.method == "PUT" && head.path.starts_with("/upload/") ? 1 << 20 : 1024;
    };
    server_ = Start(
        [this](Request& req) {
          ++calls_;
          return EchoSize(req);
        },
        options);
  }
  std::unique_ptr<Server> server_;
  std::atomic<int> calls_{0};
  std::atomic<bool> bad_head_{false};
};

TEST_F(PerRouteLimit, JsonRouteRefusesAnAnnouncedBigBodyBeforeReadingIt) {
  RawConnection raw(server_->port());
  const auto start = std::chrono::steady_clock::now();
  // Only the head is sent: the 413 must not wait for the 5000 announced bytes.
  ASSERT_TRUE(raw.Send("POST /apps HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  std::string text = raw.ReadResponse(3s);
  EXPECT_TRUE(text.starts_with("HTTP/1.1 413")) << text;
  EXPECT_NE(text.find(R"("code":"payload_too_large")"), std::string::npos) << text;
  EXPECT_NE(text.find("5000 bytes is larger than 1024"), std::string::npos) << text;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(calls_.load(), 0);
  EXPECT_FALSE(bad_head_.load());
}

TEST_F(PerRouteLimit, JsonRouteRefusesABigChunkedBody) {
  RawConnection raw(server_->port());
  std::string chunk(800, 'b');
  ASSERT_TRUE(
      raw.Send("POST /apps HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
               chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  std::string text = raw.ReadResponse();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 413")) << text;
  EXPECT_TRUE(raw.ClosedWithin(3s));
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(PerRouteLimit, UploadRouteTakesMoreThanTheJsonLimit) {
  Response res = testing::Get(*server_, "/upload/sha256:x", "PUT", std::string(600000, 'u'));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "600000");
  // The same size on a JSON route is refused; a small JSON body passes.
  EXPECT_EQ(testing::Get(*server_, "/apps", "POST", std::string(600000, 'j')).status, 413);
  EXPECT_EQ(testing::Get(*server_, "/apps", "POST", std::string(1024, 'j')).body, "1024");
  // Over the upload route's own limit.
  EXPECT_EQ(testing::Get(*server_, "/upload/x", "PUT", std::string(2 << 20, 'u')).status, 413);
  EXPECT_FALSE(bad_head_.load());
}

ServerOptions Timeouts(std::chrono::milliseconds request_timeout) {
  ServerOptions options;
  options.request_timeout = request_timeout;
  options.io_timeout = 10s;  // so only the request timeout can end these requests
  options.min_body_rate = 1000;
  return options;
}

// Sends `data` one byte per `every` until the server answers; returns the answer.
std::string Trickle(RawConnection& raw, const std::string& data, std::chrono::milliseconds every) {
  for (char c : data) {
    if (!raw.Send(std::string(1, c))) break;
    std::string text = raw.ReadResponse(every);
    if (!text.empty()) return text;
  }
  return raw.ReadResponse(5s);
}

TEST(ServerLimits, SlowlorisHeaderIs408) {
  auto server = Start(EchoSize, Timeouts(600ms));
  RawConnection raw(server->port());
  const auto start = std::chrono::steady_clock::now();
  // Each byte is progress, so the 10 s io_timeout never fires; the request timeout does.
  std::string text =
      Trickle(raw, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(100, 's'), 50ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(text.starts_with("HTTP/1.1 408")) << text;
  EXPECT_NE(text.find(R"("code":"request_timeout")"), std::string::npos) << text;
  EXPECT_GE(took, 550ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(raw.ClosedWithin(3s));
}

TEST(ServerLimits, StalledBodyIs408) {
  auto server = Start(EchoSize, Timeouts(500ms));
  RawConnection raw(server->port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(raw.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  std::string text = raw.ReadResponse(5s);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(text.starts_with("HTTP/1.1 408")) << text;
  EXPECT_NE(text.find("body incomplete"), std::string::npos) << text;
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(raw.ClosedWithin(3s));
}

TEST(ServerLimits, TricklingBodyBelowTheMinimumRateIs408) {
  auto server = Start(EchoSize, Timeouts(300ms));  // then 1000 B/s on average
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"));
  std::string text = Trickle(raw, std::string(1000, 'x'), 100ms);  // ~10 B/s
  EXPECT_TRUE(text.starts_with("HTTP/1.1 408")) << text;
}

TEST(ServerLimits, SlowButSteadyBodyOutlastsTheRequestTimeout) {
  auto server = Start(EchoSize, Timeouts(300ms));
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 30; ++i) {  // 100 bytes per 40 ms: ~2500 B/s for ~1.2 s
    ASSERT_TRUE(raw.Send(std::string(100, 'x')));
    std::this_thread::sleep_for(40ms);
  }
  std::string text = raw.ReadResponse(5s);
  EXPECT_GT(std::chrono::steady_clock::now() - start, 900ms);  // well past request_timeout
  EXPECT_TRUE(text.starts_with("HTTP/1.1 200")) << text;
  EXPECT_TRUE(text.ends_with("3000")) << text;
}

TEST(ServerLimits, IdleConnectionClosesSilentlyAfterIoTimeout) {
  ServerOptions options;
  options.io_timeout = 300ms;
  options.request_timeout = 10s;
  auto server = Start(EchoSize, options);
  RawConnection raw(server->port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(raw.ReadAll(3s), "");  // closed, without a 408
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2500ms);
  // After a request too: the keep-alive wait is idle, not a request.
  RawConnection again(server->port());
  ASSERT_TRUE(again.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(again.ReadResponse().starts_with("HTTP/1.1 200"));
  EXPECT_EQ(again.ReadAll(3s), "");
}

}  // namespace
}  // namespace aether::http
