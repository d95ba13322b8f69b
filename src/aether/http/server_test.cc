// Tests for the Beast server, driven through the curl client and raw sockets: round trips,
// router errors, body limits, keep-alive, concurrency, streaming and HEAD (Stop():
// server_stop_test).
#include "aether/http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>
#include <vector>

#include "aether/http/client.h"
#include "aether/http/envelope.h"
#include "aether/http/router.h"
#include "aether/http/test_util.h"

namespace aether::http {
namespace {

using namespace std::chrono_literals;
using testing::Get;
using testing::RawConnection;
using testing::Start;
using testing::Url;

TEST(Server, JsonRoundTripAndRequestFields) {
  Request seen;
  auto server = Start([&](Request& req) {
    seen = req;
    return Response::Json(201, req.body);
  });
  ASSERT_GT(server->port(), 0);
  ClientRequest req;
  req.method = "POST";
  req.url = Url(*server, "/apps/my%20app?limit=2&q=a+b");
  req.headers["Content-Type"] = "application/json";
  req.headers["X-Trace"] = "t1";
  req.body = R"({"name":"web"})";
  auto res = NewClient()->Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, R"({"name":"web"})");
  EXPECT_EQ(res->headers["content-type"], "application/json");
  EXPECT_EQ(res->headers["Content-Length"], "14");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/apps/my%20app?limit=2&q=a+b");
  EXPECT_EQ(seen.path, "/apps/my app");
  EXPECT_EQ(seen.Query("limit"), "2");
  EXPECT_EQ(seen.Query("q"), "a b");
  EXPECT_EQ(seen.Header("x-trace"), "t1");
  EXPECT_EQ(seen.Header("Content-Type"), "application/json");
  EXPECT_EQ(seen.body, R"({"name":"web"})");
  EXPECT_EQ(seen.remote_addr, "127.0.0.1");
}

TEST(Server, DefaultContentTypeAndCustomHeaders) {
  auto server = Start([](Request& req) {
    Response res;
    res.body = req.path == "/empty" ? "" : "{}";
    res.headers["X-One"] = "1";
    res.headers["Set-Cookie"] = "a=1\nb=2";
    return res;
  });
  Response res = Get(*server, "/json");
  EXPECT_EQ(res.headers["Content-Type"], "application/json");
  EXPECT_EQ(res.headers["X-One"], "1");
  EXPECT_EQ(res.headers["Set-Cookie"], "b=2");  // the client keeps the last of two lines
  EXPECT_EQ(Get(*server, "/empty").headers.count("Content-Type"), 0u);

  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string text = raw.ReadResponse();
  EXPECT_NE(text.find("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"), std::string::npos) << text;
}

TEST(Server, RouterErrorsUseTheEnvelope) {
  Router router(&ErrorEnvelope);
  router.Add("GET", "/apps/{app}",
             [](Request& req) { return Response::Text(200, req.Param("app")); });
  auto server = Start([&](Request& req) { return router.Dispatch(req); });
  EXPECT_EQ(Get(*server, "/apps/web").body, "web");
  Response missing = Get(*server, "/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find(R"("code":"not_found")"), std::string::npos);
  Response wrong = Get(*server, "/apps/web", "DELETE");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["Allow"], "GET, HEAD");
  EXPECT_NE(wrong.body.find(R"("code":"method_not_allowed")"), std::string::npos);
}

TEST(Server, HeadSendsHeadersOnly) {
  Router router(&ErrorEnvelope);
  router.Add("GET", "/file", [](Request&) { return Response::Text(200, "hello"); });
  router.Add("HEAD", "/sized", [](Request&) {
    Response res;
    res.headers["Content-Length"] = "1234";
    return res;
  });
  auto server = Start([&](Request& req) { return router.Dispatch(req); });
  Response head = Get(*server, "/file", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["Content-Length"], "5");
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(Get(*server, "/sized", "HEAD").headers["Content-Length"], "1234");
  // The connection stays usable after a HEAD (no stray body bytes).
  RawConnection raw(server->port());
  ASSERT_TRUE(
      raw.Send("HEAD /file HTTP/1.1\r\nHost: x\r\n\r\nGET /file HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string first = raw.ReadAll(300ms);
  EXPECT_NE(first.find("Content-Length: 5\r\n\r\nHTTP/1.1 200 OK"), std::string::npos) << first;
  EXPECT_TRUE(first.ends_with("\r\n\r\nhello")) << first;
}

TEST(Server, HandlerExceptionIs500) {
  auto server = Start([](Request&) -> Response { throw std::runtime_error("boom"); });
  Response res = Get(*server, "/");
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body, R"({"code":"internal","message":"internal error"})") << "no exception text";
  EXPECT_EQ(Get(*server, "/again").status, 500);  // the server is still there
}

TEST(Server, BodyLimit) {
  ServerOptions options;
  options.body_limit = 1024;
  std::atomic<int> calls{0};
  auto server = Start(
      [&](Request& req) {
        ++calls;
        return Response::Text(200, std::to_string(req.body.size()));
      },
      options);
  EXPECT_EQ(Get(*server, "/", "POST", std::string(1024, 'a')).body, "1024");
  Response res = Get(*server, "/", "POST", std::string(2000, 'a'));
  EXPECT_EQ(res.status, 413);
  EXPECT_NE(res.body.find(R"("code":"payload_too_large")"), std::string::npos) << res.body;
  // Chunked bodies are counted as they arrive.
  RawConnection raw(server->port());
  std::string chunk(1000, 'b');
  ASSERT_TRUE(raw.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" +
                       chunk + "\r\n3e8\r\n" + chunk + "\r\n0\r\n\r\n"));
  std::string text = raw.ReadResponse();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 413")) << text;
  EXPECT_TRUE(raw.ClosedWithin(3s));
  EXPECT_EQ(calls.load(), 1);
}

TEST(Server, LargeUploadRejectedBeforeBodyWithExpectContinue) {
  ServerOptions options;
  options.body_limit = 1 << 20;
  auto server = Start([](Request&) { return Response::Text(200, "ok"); }, options);
  auto start = std::chrono::steady_clock::now();
  Response res = Get(*server, "/", "PUT", std::string(3 << 20, 'x'));  // curl sends Expect
  EXPECT_EQ(res.status, 413);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
}

TEST(Server, MalformedRequestIs400) {
  auto server = Start([](Request&) { return Response::Text(200, "ok"); });
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("THIS IS NOT HTTP\r\n\r\n"));
  std::string text = raw.ReadResponse();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 400")) << text;
  EXPECT_NE(text.find(R"("code":"invalid_argument")"), std::string::npos) << text;
  EXPECT_TRUE(raw.ClosedWithin(3s));
}

TEST(Server, KeepAliveServesManyRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  auto server =
      Start([&](Request& req) { return Response::Text(200, req.path + std::to_string(++calls)); });
  RawConnection raw(server->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(raw.Send("GET /k HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string text = raw.ReadResponse();
    EXPECT_TRUE(text.ends_with("/k" + std::to_string(i + 1))) << text;
  }
  // Pipelined requests are answered in order; Connection: close ends the connection.
  ASSERT_TRUE(
      raw.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n"
               "Connection: close\r\n\r\n"));
  EXPECT_TRUE(raw.ReadResponse().ends_with("/a4"));
  std::string last = raw.ReadResponse();
  EXPECT_NE(last.find("Connection: close"), std::string::npos) << last;
  EXPECT_TRUE(last.ends_with("/b5"));
  EXPECT_TRUE(raw.ClosedWithin(2s));
}

TEST(Server, IdleConnectionsTimeOut) {
  ServerOptions options;
  options.io_timeout = 200ms;
  auto server = Start([](Request&) { return Response::Text(200, "ok"); }, options);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(raw.ReadResponse().empty());
  EXPECT_TRUE(raw.ClosedWithin(3s));
}

TEST(Server, ConcurrentRequestsRunInParallel) {
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  auto server = Start([&](Request& req) {
    if (req.path == "/gather") {  // returns only once 4 requests are inside the handler
      std::unique_lock<std::mutex> lock(mu);
      ++in_flight;
      cv.notify_all();
      bool all = cv.wait_for(lock, 5s, [&] { return in_flight >= 4; });
      return Response::Text(all ? 200 : 504, "");
    }
    return Response::Text(200, req.Query("i").value_or(""));
  });
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto client = NewClient();
      ClientRequest req;
      req.url = Url(*server, "/gather");
      if (auto res = client->Send(req); res.ok() && res->status == 200) ++good;
      for (int i = 0; i < 25; ++i) {
        std::string value = std::to_string(t * 100 + i);
        req.url = Url(*server, "/echo?i=" + value);
        if (auto res = client->Send(req); res.ok() && res->body == value) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 4 * 26);
}

TEST(Server, StreamsChunkedResponses) {
  auto server = Start([](Request&) {
    Response res;
    res.headers["Content-Type"] = "application/x-ndjson";
    res.stream = [](const ChunkWriter& write) {
      for (const char* line : {"{\"n\":1}\n", "{\"n\":2}\n", "{\"n\":3}\n"}) {
        if (!write(line)) return;
      }
      EXPECT_TRUE(write(""));  // a probe: nothing sent, the client is still there
    };
    return res;
  });
  Response res = Get(*server, "/logs");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
  EXPECT_EQ(res.headers["Transfer-Encoding"], "chunked");
  EXPECT_EQ(res.headers["Content-Type"], "application/x-ndjson");
  EXPECT_EQ(Get(*server, "/logs", "HEAD").body, "");
}

TEST(Server, BindFailureIsUnavailable) {
  auto first = Start([](Request&) { return Response{}; });
  ServerOptions options;
  options.port = first->port();
  auto second = StartServer(options, [](Request&) { return Response{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(second.status().message().starts_with(
      "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": "))
      << second.status().message();
  options.host = "192.0.2.1";  // TEST-NET-1: not an address of this machine
  EXPECT_EQ(StartServer(options, [](Request&) { return Response{}; }).status().code(),
            ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace aether::http
