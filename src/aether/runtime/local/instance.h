// The pieces of a local release: `aether-agent fetch` into the release dir, `aether-agent run`
// instances on free ports, readiness and crash reports, liveness of instances a previous
// aetherd started. Value types and free functions; used by LocalRuntime, thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "aether/core/status.h"
#include "aether/runtime/local/local_runtime.h"
#include "aether/runtime/local/routes.h"

namespace aether::local {

struct Instance {
  pid_t pid = 0;  // the agent: leader of its own session and process group
  BackendPtr backend;
  // The agent's CRI log file: the app's stdout/stderr and the agent's events
  // (<data_dir>/logs/<app>/<app>-v<version>-<index>.log, see file_log_source.h).
  std::string log_file;
  std::string status_file;  // the agent's {"restarts", "last_exit"}
};

struct Release {
  std::string deployment_id;
  std::string dir;  // unpacked artifact; also on every agent's command line (--dir)
  std::string health_path;
  std::vector<Instance> instances;
};

// What `aether-agent fetch` reports about the unpacked release.
struct Fetched {
  std::vector<std::string> command;
  std::string health_path;
};

// Fetches, verifies and unpacks `spec.artifact` into `dest`, reporting fetch/verify/unpack.
Result<Fetched> FetchRelease(const LocalRuntimeOptions& o, const ReleaseSpec& spec,
                             const std::string& dest, const PhaseReporter& report);

// Spawns instance `index` of `rel` (detached: it outlives aetherd) on a free port.
Result<Instance> StartInstance(const LocalRuntimeOptions& o, const ReleaseSpec& spec,
                               const Release& rel, const std::vector<std::string>& command,
                               int index);

// Waits until a freshly started instance (our child) answers; kDeployFailed with the app's
// last output when it crashes too often, its agent exits, or the timeout passes.
Status WaitReady(const LocalRuntimeOptions& o, const Instance& inst,
                 const std::string& health_path);

// One readiness probe: GET health_path (2xx/3xx), or any HTTP answer when there is none.
bool Probe(int port, const std::string& health_path);

// Whether a recorded instance can be adopted: its agent still runs (no waitpid needed: checked
// through /proc against the release dir) and it answers within `wait`.
bool Reattachable(const Release& rel, const Instance& inst, std::chrono::milliseconds wait);

}  // namespace aether::local
