// Tests for the curl client against a local Beast server: downloads into files, streamed
// uploads, progress, methods, redirects, response headers and transport errors.
#include "aether/http/client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "aether/http/router.h"
#include "aether/http/server.h"

namespace aether::http {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aether_http_client_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    big_ = std::string(3 << 20, '\0');
    for (size_t i = 0; i < big_.size(); ++i) big_[i] = static_cast<char>(i * 7 + i / 1000);
    router_.Add("GET", "/big",
                [this](Request&) { return Response::Text(200, big_, "application/octet-stream"); });
    router_.Add("PUT", "/upload", [this](Request& req) {
      std::lock_guard<std::mutex> lock(mu_);
      received_ = req.body;
      return Response::Json(201, "{\"size\":" + std::to_string(req.body.size()) + "}");
    });
    router_.Add("GET", "/redirect", [](Request&) {
      Response res = Response::Text(302, "moved");
      res.headers["Location"] = "/final";
      return res;
    });
    router_.Add("GET", "/final", [](Request&) { return Response::Text(200, "final"); });
    router_.Add("GET", "/slow", [](Request&) {
      std::this_thread::sleep_for(1s);
      return Response::Text(200, "late");
    });
    for (const char* method : {"DELETE", "PATCH", "PURGE", "POST"}) {
      router_.Add(method, "/method", [](Request& req) {
        Response res = Response::Text(200, req.method + ":" + req.body);
        res.headers["X-Thing"] = "a";
        res.headers["X-Type"] = std::string(req.Header("Content-Type"));
        return res;
      });
    }
    auto server = StartServer({}, [this](Request& req) { return router_.Dispatch(req); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  fs::path dir_;
  std::string big_;
  std::mutex mu_;
  std::string received_;
  Router router_{[](int status, std::string_view code, std::string_view) {
    return Response::Json(status, "{\"code\":\"" + std::string(code) + "\"}");
  }};
  std::unique_ptr<Server> server_;
};

TEST_F(ClientTest, DownloadsA2xxBodyIntoAFile) {
  ClientRequest req;
  req.url = Url("/big");
  req.download_file = (dir_ / "out.bin").string();
  int64_t last_done = 0, last_total = 0;
  req.progress = [&](int64_t done, int64_t total) {
    last_done = done;
    last_total = total;
  };
  auto res = NewClient()->Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
  EXPECT_EQ(ReadFile(dir_ / "out.bin"), big_);
  EXPECT_FALSE(fs::exists(dir_ / "out.bin.part"));
  EXPECT_EQ(last_done, static_cast<int64_t>(big_.size()));
  EXPECT_EQ(last_total, static_cast<int64_t>(big_.size()));
}

TEST_F(ClientTest, Non2xxDownloadKeepsTheBodyAndWritesNoFile) {
  ClientRequest req;
  req.url = Url("/missing");
  req.download_file = (dir_ / "out.bin").string();
  auto res = NewClient()->Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, R"({"code":"not_found"})");
  EXPECT_FALSE(fs::exists(dir_ / "out.bin"));
  EXPECT_FALSE(fs::exists(dir_ / "out.bin.part"));
}

TEST_F(ClientTest, UploadsAFileStreamed) {
  fs::path file = dir_ / "in.bin";
  std::ofstream(file, std::ios::binary) << big_;
  ClientRequest req;
  req.method = "PUT";
  req.url = Url("/upload");
  req.upload_file = file.string();
  int64_t last_done = 0, last_total = 0;
  req.progress = [&](int64_t done, int64_t total) {
    last_done = done;
    last_total = total;
  };
  auto start = std::chrono::steady_clock::now();
  auto res = NewClient()->Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "{\"size\":" + std::to_string(big_.size()) + "}");
  EXPECT_EQ(received_, big_);
  EXPECT_EQ(last_done, static_cast<int64_t>(big_.size()));
  EXPECT_EQ(last_total, static_cast<int64_t>(big_.size()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);  // 100-continue answered at once

  req.upload_file = (dir_ / "absent.bin").string();
  auto missing = NewClient()->Send(req);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST_F(ClientTest, UploadsAByteRangeOfAFile) {
  fs::path file = dir_ / "in.bin";
  std::ofstream(file, std::ios::binary) << big_;
  ClientRequest req;
  req.method = "PUT";
  req.url = Url("/upload");
  req.upload_file = file.string();
  req.upload_offset = 1000;
  req.upload_length = 70000;
  auto res = NewClient()->Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(received_, big_.substr(1000, 70000));

  req.upload_length = -1;  // to the end
  res = NewClient()->Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(received_, big_.substr(1000));

  req.upload_length = static_cast<int64_t>(big_.size());  // past the end
  EXPECT_EQ(NewClient()->Send(req).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ClientTest, MethodsBodiesAndResponseHeaders) {
  auto client = NewClient();
  for (const char* method : {"DELETE", "PATCH", "PURGE", "POST"}) {
    ClientRequest req;
    req.method = method;
    req.url = Url("/method");
    if (std::string(method) != "DELETE") req.body = "b";
    auto res = client->Send(req);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->body, std::string(method) + ":" + req.body);
    EXPECT_EQ(res->headers["x-thing"], "a");
    EXPECT_EQ(res->headers["X-TYPE"], "");  // curl's form default is suppressed
  }
  ClientRequest typed;
  typed.method = "POST";
  typed.url = Url("/method");
  typed.body = "{}";
  typed.headers["Content-Type"] = "application/json";
  auto res = client->Send(typed);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->headers["X-Type"], "application/json");
}

TEST_F(ClientTest, Redirects) {
  auto client = NewClient();
  ClientRequest req;
  req.url = Url("/redirect");
  auto res = client->Send(req);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(res->headers["Location"], "/final");
  req.follow_redirects = true;
  res = client->Send(req);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "final");
  EXPECT_EQ(res->headers.count("Location"), 0u);
}

TEST_F(ClientTest, TimeoutAndUnreachable) {
  ClientRequest req;
  req.url = Url("/slow");
  req.timeout = 200ms;
  auto res = NewClient()->Send(req);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), ErrorCode::kTimeout) << res.status().ToString();

  std::string url = Url("/");
  server_->Stop();
  req.url = url;
  req.timeout = 2s;
  res = NewClient()->Send(req);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(res.status().message().starts_with("cannot reach " + url + ": "))
      << res.status().message();
}

TEST_F(ClientTest, RejectsNonHttpSchemes) {
  ClientRequest req;
  req.url = "file:///etc/passwd";
  auto res = NewClient()->Send(req);
  EXPECT_FALSE(res.ok());
}

}  // namespace
}  // namespace aether::http
