// GET /apps/{app}/logs: the app's merged output and platform events, as NDJSON or text, over
// chunked HTTP or (when the client asks to upgrade) WebSocket, one line per message. The
// handler validates, attaches a Feed to the log source and streams from it on the connection's
// thread; a reader that falls behind gets an "aether" event line saying how many lines it missed.
#include <chrono>
#include <memory>
#include <thread>

#include "aether/api/api.h"
#include "aether/api/errors.h"
#include "aether/logs/feed.h"
#include "aether/logs/log_query.h"

namespace aether::api {
namespace {

constexpr std::chrono::milliseconds kPoll{200};  // also how often a quiet stream checks its peer
// After a write, a follower waits this long before taking the next batch: at most ~200 writes
// per second per reader however fast the app logs, at the cost of a few ms of latency.
constexpr std::chrono::milliseconds kCoalesce{5};

std::string MissedLine(std::string_view app, uint64_t missed, const logs::LogQuery& q) {
  logs::LogLine line{logs::NowNs(),
                     std::string(app),
                     "",
                     "",
                     std::string(logs::kPlatformContainer),
                     std::string(logs::kEventStream),
                     "missed " + std::to_string(missed) + " lines (reader too slow)"};
  return q.format == "text" ? logs::ToText(line, q.timestamps) : logs::ToNdjson(line);
}

}  // namespace

void RegisterLogRoutes(Api& api) {
  auto& s = api.services();
  api.Route("GET", "/apps/{app}/logs", Access::kRead, [&s](http::Request& req) {
    auto q = logs::ParseLogQuery(req.query, logs::NowNs());
    if (!q.ok()) return ErrorResponse(q.status());
    auto app = s.apps.Get(req.Param("app"));
    if (!app.ok()) return ErrorResponse(app.status());
    auto feed = std::make_shared<logs::Feed>(s.logs.Parts());
    auto attached = s.logs.Attach(app->name, *q, feed);
    if (!attached.ok()) return ErrorResponse(attached.status());
    http::Response res;
    res.headers["Content-Type"] =
        q->format == "text" ? "text/plain; charset=utf-8" : "application/x-ndjson";
    res.headers["Cache-Control"] = "no-cache";
    std::shared_ptr<logs::Attachment> attachment = std::move(*attached);
    res.stream = [feed, attachment, q = *q, name = app->name,
                  one_per_write = req.websocket](const http::ChunkWriter& write) mutable {
      std::vector<logs::LinePtr> lines;
      std::string chunk;
      uint64_t missed = 0;
      auto send = [&](std::string_view text) {
        if (!one_per_write) {
          chunk.append(text);
          return true;
        }
        if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
        return write(text);
      };
      bool open = true;
      while (open && feed->Next(&lines, &missed, kPoll)) {
        const bool busy = !lines.empty() || missed > 0;
        if (missed > 0) open = send(MissedLine(name, missed, q));
        for (const auto& line : lines) {
          open = open && (q.format == "text" ? send(logs::ToText(line->line, q.timestamps))
                                             : send(line->ndjson));
        }
        lines.clear();
        if (!open) break;
        open = write(chunk);  // an empty chunk checks that the reader is still there
        chunk.clear();
        if (open && busy && q.follow) std::this_thread::sleep_for(kCoalesce);
      }
      feed->Close();
      attachment.reset();
    };
    return res;
  });
}

}  // namespace aether::api
