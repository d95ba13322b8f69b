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
  // PEM the agents trust for an https server_url ("" = the system store): aetherd's own
  // --tls-cert, trusted as is (libcurl accepts a trusted leaf without its issuers).
  std::string server_ca_file;
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
  // Run each app in the agent's bubblewrap sandbox (`aether-agent run --sandbox`); checked at
  // start: OpenLocalRuntime fails when the sandbox cannot be created here.
  bool sandbox = true;
};

Result<std::unique_ptr<Runtime>> OpenLocalRuntime(const LocalRuntimeOptions& options);

}  // namespace aether
