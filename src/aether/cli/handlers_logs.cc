// aether logs: flag checks, the session, Ctrl-C, and RunLogs writing to stdout/stderr.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <thread>

#include "aether/cli/handlers.h"
#include "aether/cli/handlers_common.h"
#include "aether/cli/log_command.h"
#include "aether/logs/log_query.h"

namespace aether::cli {
namespace {

std::atomic<bool> interrupted{false};

void Write(std::FILE* to, std::string_view text, bool flush) {
  std::fwrite(text.data(), 1, text.size(), to);
  if (flush) std::fflush(to);
}

}  // namespace

Outcome Logs(Context& ctx, const LogsOptions& options) {
  std::string app;
  if (Outcome o = ResolveAppName(options.app, "", &app); !o.ok()) return o;
  // --since and --release as the server would read them, so a typo is a usage error here.
  std::map<std::string, std::string> params;
  if (!options.request.since.empty()) params["since"] = options.request.since;
  if (!options.request.release.empty()) params["release"] = options.request.release;
  const int64_t now = logs::NowNs();
  auto query = logs::ParseLogQuery(params, now);
  if (!query.ok()) return UsageFailure("--" + query.status().message());
  // Where a reconnect starts before anything was printed: see LogResume.
  std::optional<int64_t> fallback_since = query->since_ns;
  if (!fallback_since && options.request.tail_lines >= 0) fallback_since = now;

  auto s = Connect(ctx);
  if (!s.ok()) return LocalFailure(s.status());
  // Ctrl-C (or SIGTERM) ends the stream within about a second; exit 0.
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });
  const bool follow = options.request.follow;
  LogSinks sinks{
      [follow](std::string_view text) { Write(stdout, text, follow); },
      [](std::string_view text) { Write(stderr, text, true); },
      [&ctx](std::string_view text) { ctx.out.Notice(text); },
      [](std::chrono::milliseconds delay) {
        for (auto end = std::chrono::steady_clock::now() + delay;
             !interrupted && std::chrono::steady_clock::now() < end;) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      },
  };
  LogPrinter printer(ctx.out.json(), ctx.out.color(), options.timestamps);
  Outcome outcome =
      RunLogs(*s->api, app, options.request, fallback_since, printer, sinks, interrupted);
  std::fflush(stdout);
  return outcome;
}

}  // namespace aether::cli
