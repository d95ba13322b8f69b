// Validation of user-chosen names (apps) and generation of ids and timestamps.
// Free functions over std only; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether {

// App names are DNS labels: 1-63 chars of [a-z0-9-], starting with a letter, not ending in '-'.
Status ValidateAppName(std::string_view name);

// Turns a package.json name ("@scope/My_App") into a valid app name ("my-app"), or "" if none.
std::string SanitizeAppName(std::string_view raw);

// A release version as users write it, "3" or "v3" (a positive integer); kInvalidArgument
// otherwise.
Result<long long> ParseReleaseVersion(std::string_view text);

// A byte count as operators write it: "1048576", "64M" (suffixes K, M, G, T are powers of
// 1024). kInvalidArgument for anything else or a negative or overflowing value.
Result<long long> ParseByteSize(std::string_view text);

// A new random id with a prefix: "dep_3f9a…" (16 hex chars of randomness).
std::string NewId(std::string_view prefix);

// Now as RFC 3339 UTC with milliseconds: "2026-11-27T18:37:13.123Z".
std::string NowRfc3339();

// A Unix time in milliseconds in the same form.
std::string Rfc3339FromUnixMillis(long long ms);

// Milliseconds since the Unix epoch.
long long NowUnixMillis();

}  // namespace aether
