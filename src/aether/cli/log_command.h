// The loop behind `aether logs`: one stream, or with --follow a stream that reconnects with
// backoff when the connection drops and resumes where it left off (log_follow.h), printing
// through a LogPrinter to sinks the caller provides. Ends with success when the server ends a
// non-follow stream or `cancel` is set (Ctrl-C). One thread; `cancel` may be set from a signal
// handler.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aether/cli/api_client.h"
#include "aether/cli/exit_codes.h"
#include "aether/cli/log_printer.h"

namespace aether::cli {

struct LogsOptions {
  std::string app;      // --app (default: the project in the current directory)
  LogsRequest request;  // --follow, --tail, --since, --container, --release, --previous
  bool timestamps = false;
};

struct LogSinks {
  std::function<void(std::string_view)> out;     // a line for stdout
  std::function<void(std::string_view)> err;     // a line for stderr
  std::function<void(std::string_view)> notice;  // "reconnecting…" (stderr, dim on a TTY)
  // Waits between reconnects; returns early when cancelled.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// `fallback_since_ns`: see LogResume. Server errors (and a dropped connection without follow)
// are failures with Origin::kServer.
Outcome RunLogs(ApiClient& api, const std::string& app, const LogsRequest& request,
                std::optional<int64_t> fallback_since_ns, LogPrinter& printer,
                const LogSinks& sinks, const std::atomic<bool>& cancel);

}  // namespace aether::cli
