// RunLogs over a scripted http::Client: a follow stream that drops resumes without repeating or
// losing a line, the notice, errors and exit codes; LogPrinter's text, colours and --json.
#include "aether/cli/log_command.h"

#include <gtest/gtest.h>

#include "aether/cli/test_util.h"

namespace aether::cli {
namespace {

using testing::FakeHttp;
using testing::JsonReply;

logs::LogLine Line(int64_t t, std::string instance, std::string message) {
  return {t, "web", "v1", std::move(instance), "app", "stdout", std::move(message)};
}

std::string Body(const std::vector<logs::LogLine>& lines) {
  std::string out;
  for (const auto& l : lines) out += logs::ToNdjson(l);
  return out;
}

struct Captured {
  std::string out, err;
  std::vector<std::string> notices;
  std::vector<std::chrono::milliseconds> sleeps;
  LogSinks sinks() {
    return {[this](std::string_view s) { out += s; }, [this](std::string_view s) { err += s; },
            [this](std::string_view s) { notices.emplace_back(s); },
            [this](std::chrono::milliseconds d) { sleeps.push_back(d); }};
  }
};

// Hands `body` to the request's on_body in pieces of `step` bytes.
void Deliver(const http::ClientRequest& req, const std::string& body, size_t step = 7) {
  for (size_t i = 0; i < body.size(); i += step) {
    if (!req.on_body(std::string_view(body).substr(i, step))) return;
  }
}

TEST(RunLogs, FollowResumesAfterADropWithoutDuplicatesOrGaps) {
  std::atomic<bool> cancel{false};
  const auto a1 = Line(100, "a", "a1"), b1 = Line(150, "b", "b1"), a2 = Line(200, "a", "a2"),
             b2 = Line(250, "b", "b2"), a3 = Line(300, "a", "a3");
  int calls = 0;
  FakeHttp http([&](const http::ClientRequest& req) -> Result<http::Response> {
    ++calls;
    if (calls == 1) {
      std::string body = Body({a1, b1, a2});
      Deliver(req, body + logs::ToNdjson(b2).substr(0, 20));  // cut inside b2
      return Unavailable("cannot reach x: transfer closed with outstanding read data remaining");
    }
    if (calls == 2) return Unavailable("cannot reach x: Connection refused");
    if (calls == 3) {
      Deliver(req, Body({b1, a2, b2, a3}));  // the server replays from b1's time
      cancel = true;                         // Ctrl-C
      return Unavailable("cancelled");
    }
    ADD_FAILURE() << "unexpected call";
    return Unavailable("no");
  });
  ApiClient api(http, "http://srv", "tok");
  LogsRequest req;
  req.follow = true;
  req.tail_lines = 3;
  LogPrinter printer(/*json=*/false, /*color=*/false, /*timestamps=*/false);
  Captured c;
  Outcome o = RunLogs(api, "web", req, 50, printer, c.sinks(), cancel);
  EXPECT_TRUE(o.ok()) << o.status.ToString();
  EXPECT_EQ(c.out, "a/app a1\nb/app b1\na/app a2\nb/app b2\na/app a3\n");
  ASSERT_EQ(c.notices.size(), 1u);  // one per outage, not per attempt
  EXPECT_NE(c.notices[0].find("reconnecting"), std::string::npos);
  EXPECT_EQ(c.sleeps, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100),
                                                              std::chrono::milliseconds(200)}));
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_NE(http.requests[0].url.find("tail_lines=3"), std::string::npos);
  for (int i : {1, 2}) {
    EXPECT_EQ(http.requests[i].url.find("tail_lines"), std::string::npos);
    EXPECT_NE(http.requests[i].url.find("since=" + http::PercentEncode(logs::FormatTime(150))),
              std::string::npos)
        << http.requests[i].url;
  }
  EXPECT_EQ(http.requests[0].timeout.count(), 0);
  EXPECT_EQ(http.requests[0].cancel, &cancel);
}

TEST(RunLogs, WithoutFollowADropIsANetworkFailure) {
  std::atomic<bool> cancel{false};
  FakeHttp http([&](const http::ClientRequest& req) -> Result<http::Response> {
    Deliver(req, Body({Line(1, "a", "x")}));
    return Unavailable("cannot reach x: transfer closed with outstanding read data remaining");
  });
  ApiClient api(http, "http://srv", "tok");
  LogPrinter printer(false, false, false);
  Captured c;
  Outcome o = RunLogs(api, "web", {}, std::nullopt, printer, c.sinks(), cancel);
  EXPECT_EQ(ExitCodeFor(o), kExitNetwork);
  EXPECT_NE(o.status.message().find("broke"), std::string::npos) << o.status.message();
  EXPECT_EQ(c.out, "a/app x\n");
  EXPECT_EQ(http.requests.size(), 1u);
}

TEST(RunLogs, ServerErrorsEndEvenAFollowStream) {
  std::atomic<bool> cancel{false};
  FakeHttp http([](const http::ClientRequest&) -> Result<http::Response> {
    return JsonReply(404, R"({"code":"not_found","message":"app 'web' does not exist"})");
  });
  ApiClient api(http, "http://srv", "tok");
  LogsRequest req;
  req.follow = true;
  LogPrinter printer(false, false, false);
  Captured c;
  Outcome o = RunLogs(api, "web", req, std::nullopt, printer, c.sinks(), cancel);
  EXPECT_EQ(ExitCodeFor(o), kExitServer);
  EXPECT_EQ(o.status.message(), "app 'web' does not exist");
  EXPECT_EQ(http.requests.size(), 1u);
}

TEST(RunLogs, AFinishedStreamWithoutFollowSucceeds) {
  std::atomic<bool> cancel{false};
  logs::LogLine missed{5, "web", "", "", "aether", "event", "missed 4 lines (reader too slow)"};
  FakeHttp http([&](const http::ClientRequest& req) -> Result<http::Response> {
    Deliver(req, Body({Line(1, "a", "x"), missed, Line(9, "b", "y")}));
    return JsonReply(200, "");
  });
  ApiClient api(http, "http://srv", "tok");
  LogPrinter printer(false, false, true);
  Captured c;
  EXPECT_TRUE(RunLogs(api, "web", {}, std::nullopt, printer, c.sinks(), cancel).ok());
  EXPECT_EQ(c.out, logs::FormatTime(1) + " a/app x\n" + logs::FormatTime(9) + " b/app y\n");
  EXPECT_EQ(c.err, logs::FormatTime(5) + " web/aether missed 4 lines (reader too slow)\n");
}

TEST(LogPrinter, JsonIsVerbatimNoticesIncluded) {
  LogPrinter printer(/*json=*/true, false, true);
  logs::LogLine missed{5, "web", "", "", "aether", "event", "missed 4 lines (reader too slow)"};
  EXPECT_EQ(printer.Format(missed, R"({"raw":1})"), "{\"raw\":1}\n");
  EXPECT_FALSE(printer.ToStderr(missed));
}

TEST(LogPrinter, OneStableColourPerInstanceInOrderOfAppearance) {
  LogPrinter printer(false, /*color=*/true, false);
  EXPECT_EQ(printer.Format(Line(1, "b", "x"), ""), "\033[36mb/app\033[0m x\n");
  EXPECT_EQ(printer.Format(Line(2, "a", "y"), ""), "\033[32ma/app\033[0m y\n");
  EXPECT_EQ(printer.Format(Line(3, "b", "z"), ""), "\033[36mb/app\033[0m z\n");
  logs::LogLine event{4, "web", "", "", "aether", "event", "deploy v2"};
  EXPECT_EQ(printer.Format(event, ""), "\033[35mweb/aether\033[0m deploy v2\n");
}

}  // namespace
}  // namespace aether::cli
