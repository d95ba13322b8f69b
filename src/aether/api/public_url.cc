// Base URL of the answers' absolute URLs (public_url.h).
#include "aether/api/public_url.h"

namespace aether::api {
namespace {

// A host name, an IPv4 address or a bracketed IPv6 address, with an optional port.
bool PlausibleHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string PublicUrlFor(const PublicUrlOptions& o, const http::Request& req) {
  if (!o.configured.empty()) return o.configured;
  std::string_view host = req.Header("Host");
  if (!PlausibleHost(host)) return o.fallback;
  const bool https = o.tls || req.Header("X-Forwarded-Proto") == "https";
  return std::string(https ? "https://" : "http://") + std::string(host);
}

}  // namespace aether::api
