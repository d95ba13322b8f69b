// Monotonic timing helpers for phase measurements. Header-only; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace aether {

using SteadyClock = std::chrono::steady_clock;

// Whole milliseconds elapsed since `start`.
inline int64_t MsSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

}  // namespace aether
