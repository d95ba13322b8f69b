// ApiClient::StreamLogs against real HTTP: NDJSON split across chunks, a clean end, a connection
// cut mid-chunk (kUnavailable, the partial line dropped), error envelopes, the query, cancel.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "aether/cli/api_client.h"
#include "aether/http/test_util.h"

namespace aether::cli {
namespace {

logs::LogLine Line(int64_t t, std::string message) {
  return {t, "web", "v1", "web-1", "app", "stdout", std::move(message)};
}

// Answers one connection with `response` verbatim, then closes it.
class RawServer {
 public:
  explicit RawServer(std::string response) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, response = std::move(response)] {
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(conn, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      ::send(conn, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(conn);
    });
  }
  ~RawServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

std::string Chunk(const std::string& data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

constexpr const char* kChunkedHead =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

struct Collected {
  std::vector<logs::LogLine> lines;
  std::vector<std::string> raw;
  LogLineHandler handler() {
    return [this](const logs::LogLine& l, std::string_view ndjson) {
      lines.push_back(l);
      raw.emplace_back(ndjson);
      return true;
    };
  }
};

TEST(StreamLogs, SplitsNdjsonAcrossChunksUntilTheCleanEnd) {
  const std::string a = logs::ToNdjson(Line(1, "one")), b = logs::ToNdjson(Line(2, "two"));
  std::string body = a + b;
  RawServer server(std::string(kChunkedHead) + Chunk(body.substr(0, 5)) +
                   Chunk(body.substr(5, a.size())) + Chunk(body.substr(5 + a.size())) +
                   "0\r\n\r\n");
  auto http = http::NewClient();
  ApiClient api(*http, server.url(), "tok");
  Collected got;
  Status st = api.StreamLogs("web", {}, got.handler());
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got.lines, (std::vector<logs::LogLine>{Line(1, "one"), Line(2, "two")}));
  EXPECT_EQ(got.raw[0] + "\n", a);
}

TEST(StreamLogs, ACutMidStreamIsUnavailableAndDropsThePartialLine) {
  const std::string a = logs::ToNdjson(Line(1, "one")), b = logs::ToNdjson(Line(2, "two"));
  RawServer server(std::string(kChunkedHead) + Chunk(a + b.substr(0, 10)));  // no last chunk
  auto http = http::NewClient();
  ApiClient api(*http, server.url(), "tok");
  Collected got;
  Status st = api.StreamLogs("web", {}, got.handler());
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable) << st.ToString();
  EXPECT_EQ(got.lines, (std::vector<logs::LogLine>{Line(1, "one")}));
}

TEST(StreamLogs, ACutInsideAChunkIsUnavailable) {
  const std::string a = logs::ToNdjson(Line(1, "one"));
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", a.size() + 50);  // promises more than it sends
  RawServer server(std::string(kChunkedHead) + size + a);
  auto http = http::NewClient();
  ApiClient api(*http, server.url(), "tok");
  Collected got;
  EXPECT_EQ(api.StreamLogs("web", {}, got.handler()).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(got.lines.size(), 1u);
}

TEST(StreamLogs, ErrorEnvelopesBecomeTheirStatus) {
  auto server = http::testing::Start([](http::Request& req) {
    if (req.Header("Authorization") != "Bearer tok") {
      return http::Response::Json(401, R"({"code":"unauthenticated","message":"bad token"})");
    }
    return http::Response::Json(
        400, R"({"code":"invalid_argument","message":"since must be a duration"})");
  });
  auto http = http::NewClient();
  Collected got;
  ApiClient bad_token(*http, http::testing::Url(*server, ""), "nope");
  Status st = bad_token.StreamLogs("web", {}, got.handler());
  EXPECT_EQ(st.code(), ErrorCode::kUnauthenticated);
  ApiClient api(*http, http::testing::Url(*server, ""), "tok");
  st = api.StreamLogs("web", {}, got.handler());
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "since must be a duration");
  EXPECT_TRUE(got.lines.empty());
}

TEST(StreamLogs, SendsTheQueryAndStreamsFromARealServer) {
  std::string target;
  auto server = http::testing::Start([&](http::Request& req) {
    target = req.target;
    http::Response res;
    res.headers["Content-Type"] = "application/x-ndjson";
    res.stream = [](const http::ChunkWriter& write) {
      for (int i = 0; i < 50; ++i) {
        std::string line = logs::ToNdjson(Line(i, std::to_string(i)));
        if (!write(line.substr(0, 7)) || !write(line.substr(7))) return;
      }
    };
    return res;
  });
  auto http = http::NewClient();
  ApiClient api(*http, http::testing::Url(*server, ""), "tok");
  LogsRequest req;
  req.follow = true;
  req.tail_lines = 5;
  req.since = "2026-01-02T03:04:05.000000001+01:00";
  req.container = "app";
  req.release = "v3";
  req.previous = true;
  Collected got;
  ASSERT_TRUE(api.StreamLogs("web", req, got.handler()).ok());
  EXPECT_EQ(target,
            "/apps/web/logs?format=ndjson&follow=1&tail_lines=5&since=2026-01-02T03%3A04%3A05."
            "000000001%2B01%3A00&container=app&release=v3&previous=1");
  ASSERT_EQ(got.lines.size(), 50u);
  EXPECT_EQ(got.lines[49], Line(49, "49"));
}

TEST(StreamLogs, CancelEndsAQuietStream) {
  std::atomic<bool> cancel{false};
  auto server = http::testing::Start([&](http::Request&) {
    http::Response res;
    res.stream = [&](const http::ChunkWriter& write) {
      write(logs::ToNdjson(Line(1, "one")));
      while (write("")) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    };
    return res;
  });
  auto http = http::NewClient();
  ApiClient api(*http, http::testing::Url(*server, ""), "tok");
  Collected got;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto started = std::chrono::steady_clock::now();
  Status st = api.StreamLogs("web", {}, got.handler(), &cancel);
  stopper.join();
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(got.lines.size(), 1u);
}

TEST(StreamLogs, AMalformedLineIsAnError) {
  RawServer server(std::string(kChunkedHead) + Chunk("not json\n") + "0\r\n\r\n");
  auto http = http::NewClient();
  ApiClient api(*http, server.url(), "tok");
  Collected got;
  EXPECT_EQ(api.StreamLogs("web", {}, got.handler()).code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace aether::cli
