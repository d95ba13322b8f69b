// ApiClient: the log stream (GET /apps/{app}/logs), NDJSON framed across chunk boundaries.
#include <chrono>

#include "aether/cli/api_client.h"
#include "aether/cli/config.h"
#include "aether/cli/line_splitter.h"

namespace aether::cli {

std::string LogsQuery(const LogsRequest& req) {
  std::string q = "?format=ndjson";
  if (req.follow) q += "&follow=1";
  if (req.tail_lines >= 0) q += "&tail_lines=" + std::to_string(req.tail_lines);
  if (!req.since.empty()) q += "&since=" + http::PercentEncode(req.since);
  if (!req.container.empty()) q += "&container=" + http::PercentEncode(req.container);
  if (!req.release.empty()) q += "&release=" + http::PercentEncode(req.release);
  if (req.previous) q += "&previous=1";
  return q;
}

Status ApiClient::StreamLogs(const std::string& app, const LogsRequest& logs_req,
                             const LogLineHandler& on_line, const std::atomic<bool>* cancel) {
  http::ClientRequest req;
  req.url = server_ + "/apps/" + http::PercentEncode(app) + "/logs" + LogsQuery(logs_req);
  req.headers["Authorization"] = "Bearer " + token_;
  req.headers["Accept"] = "application/x-ndjson";
  req.headers["User-Agent"] = "aether-cli/" + std::string(kCliVersion);
  req.timeout = std::chrono::milliseconds(0);  // none: the stream ends when the server ends it
  req.cancel = cancel;
  LineSplitter splitter;
  Status bad_line;
  bool stopped = false;  // by on_line
  bool started = false;  // body bytes arrived
  const LineSplitter::OnLine deliver = [&](std::string_view text) {
    auto line = logs::FromNdjson(text);
    if (!line.ok()) {
      bad_line = Internal("unexpected log line from the server (" + line.status().message() +
                          "): " + std::string(text.substr(0, 160)));
      return false;
    }
    stopped = !on_line(*line, text);
    return !stopped;
  };
  req.on_body = [&](std::string_view piece) {
    started = true;
    return splitter.Feed(piece, deliver);
  };
  auto res = http_.Send(req);
  if (!bad_line.ok()) return bad_line;
  if (!res.ok()) {
    if (started && res.status().code() == ErrorCode::kUnavailable &&
        (cancel == nullptr || !*cancel)) {
      std::string detail = res.status().message();  // "cannot reach URL: what happened"
      if (size_t at = detail.find(": "); detail.starts_with("cannot reach ") && at != detail.npos) {
        detail.erase(0, at + 2);
      }
      return Unavailable("the log stream from " + server_ + " broke: " + detail);
    }
    return res.status();
  }
  if (res->status < 200 || res->status >= 300) {
    return StatusFromResponse(*res, "GET /apps/" + app + "/logs");
  }
  // The server ended the body (its last chunk): a last line without its '\n' is whole.
  if (!stopped && !splitter.partial().empty()) {
    std::string rest = splitter.partial() + "\n";
    splitter.Clear();
    splitter.Feed(rest, deliver);
  }
  return bad_line;
}

}  // namespace aether::cli
