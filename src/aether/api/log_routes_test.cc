// GET /apps/{app}/logs through the Api over the fake runtime's in-memory log source: parameter
// validation (400 with the envelope), access, history with filters, follow, and the "missed
// lines" notice a reader that falls behind gets instead of stalling the source.
#include <atomic>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "aether/api/api_test_util.h"
#include "aether/logs/log_line.h"

namespace aether::api {
namespace {

using nlohmann::json;

class LogRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(Call("POST", "/apps", kAdminToken, R"({"name":"web"})").status, 201);
  }

  void Append(int64_t t, const std::string& instance, const std::string& message,
              const std::string& container = "app", const std::string& app = "web") {
    runtime.memory_logs().Append({t, app, "v1", instance, container, "stdout", message});
  }

  // Runs the stream to its end (or until `stop` says so); the text it wrote.
  static std::string Drain(http::Response& res,
                           const std::function<bool(const std::string&)>& stop = {}) {
    std::string out;
    if (!res.stream) return res.body;
    res.stream([&](std::string_view chunk) {
      out += chunk;
      return !(stop && stop(out));
    });
    return out;
  }

  static std::vector<json> Lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }
};

TEST_F(LogRoutesTest, BadParametersAre400WithTheEnvelope) {
  for (const char* target : {"/apps/web/logs?since=banana", "/apps/web/logs?tail_lines=-1",
                             "/apps/web/logs?format=xml", "/apps/web/logs?follow=perhaps"}) {
    http::Response res = Call("GET", target);
    EXPECT_EQ(res.status, 400) << target;
    json body = json::parse(res.body, nullptr, false);
    EXPECT_EQ(body.value("code", ""), "invalid_argument") << target << " " << res.body;
    EXPECT_FALSE(body.value("message", "").empty());
  }
  EXPECT_EQ(Call("GET", "/apps/nope/logs").status, 404);
}

TEST_F(LogRoutesTest, NeedsReadAccess) {
  EXPECT_EQ(Call("GET", "/apps/web/logs", "").status, 401);
  EXPECT_EQ(Call("GET", "/apps/web/logs", kPullToken).status, 403);
  EXPECT_EQ(Call("GET", "/apps/web/logs", kReadToken).status, 200);
  EXPECT_EQ(Call("GET", "/apps/web/logs", kAdminToken).status, 200);
}

TEST_F(LogRoutesTest, HistoryIsMergedInTimeOrderAndFiltered) {
  for (int i = 0; i < 5; ++i) {
    Append(i * 10 + 1, "web-v1-0", "a" + std::to_string(i));
    Append(i * 10 + 2, "web-v1-1", "b" + std::to_string(i));
  }
  Append(100, "web-v1-0", "fetch 3 ms", "aether");
  Append(5, "x-v1-0", "other app", "app", "x");
  http::Response res = Call("GET", "/apps/web/logs");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.headers["Content-Type"], "application/x-ndjson");
  auto lines = Lines(Drain(res));
  ASSERT_EQ(lines.size(), 11u);
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_LE(lines[i - 1]["time"].get<std::string>(), lines[i]["time"].get<std::string>());
  }
  EXPECT_EQ(lines[0]["message"], "a0");
  EXPECT_EQ(lines[1]["message"], "b0");
  EXPECT_EQ(lines[0].size(), 7u);

  res = Call("GET", "/apps/web/logs?tail_lines=2&container=app");
  auto tail = Lines(Drain(res));
  ASSERT_EQ(tail.size(), 4u);
  EXPECT_EQ(tail[0]["message"], "a3");
  EXPECT_EQ(tail[3]["message"], "b4");

  res = Call("GET", "/apps/web/logs?container=aether&format=text");
  EXPECT_EQ(Drain(res), "web-v1-0/aether fetch 3 ms\n");

  res = Call("GET", "/apps/web/logs?since=" + logs::FormatTime(41));
  auto since = Lines(Drain(res));
  ASSERT_EQ(since.size(), 3u);
  EXPECT_EQ(since[0]["message"], "a4");
}

TEST_F(LogRoutesTest, FollowSendsNewLinesUntilTheReaderLeaves) {
  Append(1, "web-v1-0", "old");
  http::Response res = Call("GET", "/apps/web/logs?follow=1");
  ASSERT_EQ(res.status, 200);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 3 && !done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      Append(logs::NowNs(), "web-v2-0", "new" + std::to_string(i));
    }
  });
  std::string text =
      Drain(res, [](const std::string& out) { return out.find("new2") != std::string::npos; });
  done = true;
  writer.join();
  auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["message"], "old");
  EXPECT_EQ(lines[3]["message"], "new2");
}

TEST_F(LogRoutesTest, ASlowReaderIsToldWhatItMissed) {
  http::Response res = Call("GET", "/apps/web/logs?follow=1");
  ASSERT_EQ(res.status, 200);
  std::atomic<bool> blocked{false};
  std::atomic<bool> release{false};
  std::string text;
  std::thread reader([&] {
    res.stream([&](std::string_view chunk) {
      if (!blocked.exchange(true)) {
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      text += chunk;
      return text.find("missed") == std::string::npos;
    });
  });
  Append(logs::NowNs(), "web-v1-0", "first");
  while (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int kLines = 9000;  // more than the reader's queue holds
  for (int i = 0; i < kLines; ++i) Append(logs::NowNs(), "web-v1-0", std::to_string(i));
  release = true;
  reader.join();
  auto lines = Lines(text);
  ASSERT_FALSE(lines.empty());
  const json& notice = lines.front().value("message", "") == "first" ? lines[1] : lines[0];
  EXPECT_EQ(notice["container"], "aether");
  EXPECT_EQ(notice["stream"], "event");
  EXPECT_EQ(notice["message"],
            "missed " + std::to_string(kLines - 8192) + " lines (reader too slow)");
}

TEST_F(LogRoutesTest, OverWebSocketEachLineIsOneMessage) {
  Append(1, "web-v1-0", "one");
  Append(2, "web-v1-1", "two");
  http::Request req;
  req.method = "GET";
  req.target = "/apps/web/logs?format=text";
  http::ParseTarget(req.target, &req.path, &req.query);
  req.headers["Authorization"] = std::string("Bearer ") + kReadToken;
  req.websocket = true;
  http::Response res = api.Handle(req);
  ASSERT_EQ(res.status, 200);
  std::vector<std::string> messages;
  res.stream([&](std::string_view m) {
    if (!m.empty()) messages.emplace_back(m);
    return true;
  });
  EXPECT_EQ(messages, (std::vector<std::string>{"web-v1-0/app one", "web-v1-1/app two"}));
}

}  // namespace
}  // namespace aether::api
