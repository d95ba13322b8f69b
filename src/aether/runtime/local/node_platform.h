// The platform the local runtime runs apps on: the `node` on aetherd's PATH, asked once for
// its os, arch, libc and ABI. Free function; thread-safe.
#pragma once

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether::local {

// kFailedPrecondition when `node` is missing or answers nonsense.
Result<Platform> ProbeNodePlatform();

}  // namespace aether::local
