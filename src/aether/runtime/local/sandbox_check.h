// The start-time check of the app sandbox: aetherd refuses to start the local runtime when
// `aether-agent run --sandbox` cannot create one here (bwrap missing, user namespaces
// disabled), rather than running apps unsandboxed. Free function, thread-safe.
#pragma once

#include <string>

#include "aether/core/status.h"

namespace aether::local {

// Runs `true` through `agent run --sandbox` in a scratch dir under data_dir/runtime;
// kFailedPrecondition naming the cause and how to opt out when it fails.
Status CheckSandbox(const std::string& agent_path, const std::string& data_dir);

}  // namespace aether::local
