// RunLogs: stream, print, and with follow reconnect and resume.
#include "aether/cli/log_command.h"

#include "aether/cli/log_follow.h"

namespace aether::cli {

Outcome RunLogs(ApiClient& api, const std::string& app, const LogsRequest& request,
                std::optional<int64_t> fallback_since_ns, LogPrinter& printer,
                const LogSinks& sinks, const std::atomic<bool>& cancel) {
  LogResume resume(request, fallback_since_ns);
  Backoff backoff;
  bool reconnecting = false;  // the notice for this outage was printed
  while (!cancel) {
    Status st = api.StreamLogs(
        app, resume.NextRequest(),
        [&](const logs::LogLine& line, std::string_view ndjson) {
          if (cancel) return false;
          backoff.Reset();  // the connection works
          reconnecting = false;
          if (resume.Accept(line) == LogResume::Verdict::kSkip) return true;
          std::string text = printer.Format(line, ndjson);
          (printer.ToStderr(line) ? sinks.err : sinks.out)(text);
          return true;
        },
        &cancel);
    if (cancel) break;
    if (!request.follow) return st.ok() ? Outcome::Ok() : ServerFailure(st);
    // A follow stream the server ended (it is stopping) or that dropped: resume. Anything
    // else (unknown app, token revoked, bad parameter) ends the command.
    if (!st.ok() && st.code() != ErrorCode::kUnavailable && st.code() != ErrorCode::kTimeout) {
      return ServerFailure(st);
    }
    if (!reconnecting) {
      sinks.notice(st.ok() ? "the server ended the log stream; reconnecting…"
                           : st.message() + "; reconnecting…");
      reconnecting = true;
    }
    sinks.sleep(backoff.Next());
  }
  return Outcome::Ok();  // Ctrl-C
}

}  // namespace aether::cli
