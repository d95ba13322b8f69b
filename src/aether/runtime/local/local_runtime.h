// Factory for the local-process Runtime (embedded default): each instance is an
// `aether-agent run` process started by aetherd in its own session (it survives an aetherd
// restart: Detach/Resume), fetched by `aether-agent fetch`, health-gated, and reached through
// the runtime's own router server. The agents write each instance's output to a rotated file,
// which Logs() serves (file_log_source.h). Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "aether/runtime/runtime.h"

namespace aether {

struct LocalRuntimeOptions {
  std::string data_dir;    // releases/, logs/, cache/ and runtime/ (state files) live under it
  std::string agent_path;  // the aether-agent binary
  std::string server_url;  // aetherd's API, which agents fetch artifacts from
  std::string pull_token;  // credential the agents present
  std::string router_host = "127.0.0.1";
  int router_port = 7080;  // 0 picks a free port
  std::chrono::milliseconds ready_timeout{60000};
  std::chrono::milliseconds drain_timeout{10000};
  std::chrono::milliseconds stop_grace{10000};
  int crash_limit = 3;             // restarts before readiness that fail the deploy
  bool require_signature = false;  // agents refuse artifacts without a valid signature
  // Each instance's log file (<data_dir>/logs/<app>/<app>-v<version>-<index>.log) rotates at
  // this size, keeping this many older files.
  long long log_max_bytes = 10LL * 1024 * 1024;
  int log_keep = 3;
};

Result<std::unique_ptr<Runtime>> OpenLocalRuntime(const LocalRuntimeOptions& options);

}  // namespace aether
