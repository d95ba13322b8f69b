// Tests for the Beast server's graceful Stop(): idle keep-alive connections close at once, new
// connections are refused, in-flight requests and streams finish within the drain deadline and
// what outlives it is cut.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "aether/http/server.h"
#include "aether/http/test_util.h"

namespace aether::http {
namespace {

using namespace std::chrono_literals;
using testing::Get;
using testing::RawConnection;
using testing::Start;
using testing::Url;

TEST(Server, StopWithIdleKeepAliveConnectionIsPrompt) {
  auto server = Start([](Request&) { return Response::Text(200, "ok"); });
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(raw.ReadResponse().empty());
  auto client = NewClient();  // a second, curl-held keep-alive connection
  ClientRequest req;
  req.url = Url(*server, "/");
  EXPECT_TRUE(client->Send(req).ok());
  auto start = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(raw.ClosedWithin(1s));
  server->Stop();  // idempotent
}

TEST(Server, StopCutsAStreamThatNeverEndsAtTheDrainDeadline) {
  ServerOptions options;
  options.drain_timeout = 400ms;
  std::atomic<bool> streaming{false};
  std::atomic<bool> stream_ended{false};
  auto server = Start(
      [&](Request&) {
        Response res;
        res.stream = [&](const ChunkWriter& write) {
          streaming = true;
          while (write("tick\n")) std::this_thread::sleep_for(10ms);
          stream_ended = true;
        };
        return res;
      },
      options);
  std::thread reader([&] {
    ClientRequest req;
    req.url = Url(*server, "/follow");
    req.timeout = 20s;
    auto res = NewClient()->Send(req);
    EXPECT_FALSE(res.ok());  // the stream never finished: no last chunk
  });
  while (!streaming) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(50ms);
  auto start = std::chrono::steady_clock::now();
  server->Stop();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 350ms);           // the stream was allowed to run until the deadline…
  EXPECT_LT(took, 400ms + 1500ms);  // …and no longer
  EXPECT_TRUE(stream_ended);
  reader.join();
}

TEST(Server, StopDrainsInFlightRequestsAndRefusesNewConnections) {
  ServerOptions options;
  options.drain_timeout = 5s;
  std::atomic<bool> entered{false};
  auto server = Start(
      [&](Request& req) {
        if (req.path == "/slow") {
          entered = true;
          std::this_thread::sleep_for(300ms);
        }
        return Response::Text(200, "done " + req.path);
      },
      options);
  const int port = server->port();
  // An idle keep-alive connection: closed at once by Stop, not after the drain.
  RawConnection idle(port);
  ASSERT_TRUE(idle.Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(idle.ReadResponse().ends_with("done /fast"));

  RawConnection slow(port);
  ASSERT_TRUE(slow.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  while (!entered) std::this_thread::sleep_for(2ms);
  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server->Stop(); });
  std::this_thread::sleep_for(50ms);  // Stop has begun; the slow handler is still running
  EXPECT_TRUE(idle.ClosedWithin(200ms));
  RawConnection late(port);
  EXPECT_FALSE(late.ok()) << "a connection after Stop began was accepted";

  std::string text = slow.ReadResponse();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 200 OK")) << text;
  EXPECT_NE(text.find("Connection: close"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("done /slow")) << text;
  EXPECT_TRUE(slow.ClosedWithin(1s));
  stopper.join();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 2s);  // returned when the last request finished, not at the deadline
}

TEST(Server, StreamsInFlightFinishDuringTheDrain) {
  ServerOptions options;
  options.drain_timeout = 5s;
  std::atomic<bool> streaming{false};
  auto server = Start(
      [&](Request&) {
        Response res;
        res.stream = [&](const ChunkWriter& write) {
          streaming = true;
          for (int i = 0; i < 20; ++i) {
            if (!write("line " + std::to_string(i) + "\n")) return;
            std::this_thread::sleep_for(10ms);
          }
        };
        return res;
      },
      options);
  Response res;
  std::thread reader([&] { res = Get(*server, "/logs"); });
  while (!streaming) std::this_thread::sleep_for(2ms);
  server->Stop();
  reader.join();
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.body.ends_with("line 19\n")) << res.body;
}

}  // namespace
}  // namespace aether::http
