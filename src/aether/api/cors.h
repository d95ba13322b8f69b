// CORS for the REST API: which browser origins may call it (AETHER_CORS_ORIGINS), the answer to
// a preflight, and the headers added to a normal response. A disallowed origin gets no
// Access-Control-* header at all. Credentials are allowed only for explicitly listed origins,
// never with "*". Pure functions over an immutable policy; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::api {

struct CorsPolicy {
  bool any_origin = false;           // "*": every origin, without credentials
  std::vector<std::string> origins;  // exact origins, lower-case: "https://app.example.com"

  bool enabled() const { return any_origin || !origins.empty(); }
};

// The request headers a browser may send cross-origin, as Access-Control-Allow-Headers names.
inline constexpr std::string_view kCorsAllowedHeaders[] = {"Authorization", "Content-Type",
                                                           "Idempotency-Key"};
// The response headers a browser script may read (Access-Control-Expose-Headers).
inline constexpr std::string_view kCorsExposedHeaders =
    "Retry-After, Idempotent-Replayed, Location, ETag";

// "https://app.example.com,http://localhost:3000" (spaces around entries ignored), or "*" alone.
// Each entry is scheme://host[:port] with scheme http or https and no path, query or trailing
// slash; kInvalidArgument names the first bad entry. Empty (or blank) → CORS off.
Result<CorsPolicy> ParseCorsOrigins(std::string_view csv);

// The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method), or nullopt
// for any other request. `methods_for_path` are the methods the router has for the request's
// path (empty: no such path). Allowed → 204 with the Access-Control-Allow-* headers; a
// disallowed origin or method, or an unknown path → 403 envelope without Access-Control-*.
std::optional<http::Response> Preflight(const CorsPolicy& policy, const http::Request& req,
                                        const std::vector<std::string>& methods_for_path);

// Adds Access-Control-Allow-Origin, Vary: Origin, credentials (listed origins only) and
// Access-Control-Expose-Headers to `res` when the request's Origin is allowed; otherwise
// leaves `res` untouched.
void DecorateCors(const CorsPolicy& policy, const http::Request& req, http::Response& res);

}  // namespace aether::api
