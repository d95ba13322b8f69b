// CORS: origin list parsing, preflight answers and response decoration.
#include "aether/api/cors.h"

#include <algorithm>
#include <cctype>

#include "aether/api/errors.h"

namespace aether::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

// Why `origin` is not scheme://host[:port], or "" when it is.
std::string OriginProblem(std::string_view origin) {
  size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return "expected scheme://host[:port]";
  std::string scheme = Lower(origin.substr(0, sep));
  if (scheme != "http" && scheme != "https") return "scheme must be http or https";
  std::string_view rest = origin.substr(sep + 3);
  if (rest.empty()) return "missing host";
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return "an origin has no path, query or trailing slash";
  }
  if (rest.find('@') != std::string_view::npos) return "an origin has no user info";
  std::string_view host = rest;
  std::string_view port;
  if (rest.front() == '[') {  // IPv6 literal: [::1]:8080
    size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return "malformed IPv6 host";
    for (char c : rest.substr(1, close - 1)) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
        return "malformed IPv6 host";
      }
    }
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "malformed IPv6 host";
      port = after.substr(1);
      if (port.empty()) return "empty port";
    }
  } else if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return "empty port";
    if (host.empty()) return "missing host";
  }
  if (host.front() != '[' && !std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
      })) {
    return "host may hold only letters, digits, '-' and '.'";
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return "port must be a number from 1 to 65535";
    }
    const int n = std::stoi(std::string(port));
    if (n < 1 || n > 65535) return "port must be a number from 1 to 65535";
  }
  return "";
}

// The origin of `req` when the policy allows it, else nullopt.
std::optional<std::string> AllowedOrigin(const CorsPolicy& policy, const http::Request& req) {
  std::string_view origin = req.Header("Origin");
  if (origin.empty()) return std::nullopt;
  if (policy.any_origin) return std::string(origin);
  const std::string lower = Lower(origin);
  for (const auto& allowed : policy.origins) {
    if (allowed == lower) return std::string(origin);
  }
  return std::nullopt;
}

void SetAllowOrigin(const CorsPolicy& policy, const std::string& origin, http::Response& res) {
  res.headers["Access-Control-Allow-Origin"] = policy.any_origin ? "*" : origin;
  if (!policy.any_origin) res.headers["Access-Control-Allow-Credentials"] = "true";
  auto vary = res.headers.find("Vary");
  if (vary == res.headers.end() || vary->second.empty()) {
    res.headers["Vary"] = "Origin";
  } else if (Lower(vary->second).find("origin") == std::string::npos) {
    vary->second += ", Origin";
  }
}

// The requested headers (comma-separated, any case) that are allowed, in their canonical
// spelling; every allowed header when none was requested.
std::string AllowHeaders(std::string_view requested) {
  std::vector<std::string> wanted;
  size_t start = 0;
  while (start <= requested.size()) {
    size_t comma = requested.find(',', start);
    if (comma == std::string_view::npos) comma = requested.size();
    std::string name = Lower(Trim(requested.substr(start, comma - start)));
    if (!name.empty()) wanted.push_back(std::move(name));
    start = comma + 1;
  }
  std::string out;
  for (std::string_view h : kCorsAllowedHeaders) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), Lower(h)) == wanted.end()) {
      continue;
    }
    out += (out.empty() ? "" : ", ") + std::string(h);
  }
  return out;
}

http::Response Denied(std::string_view why) {
  return ErrorResponse(403, ErrorCodeName(ErrorCode::kPermissionDenied),
                       "CORS preflight denied: " + std::string(why));
}

}  // namespace

Result<CorsPolicy> ParseCorsOrigins(std::string_view csv) {
  CorsPolicy policy;
  if (Trim(csv).empty()) return policy;
  size_t start = 0;
  int position = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    if (comma == std::string_view::npos) comma = csv.size();
    std::string_view entry = Trim(csv.substr(start, comma - start));
    start = comma + 1;
    ++position;
    const std::string where = "AETHER_CORS_ORIGINS entry " + std::to_string(position);
    if (entry.empty()) return InvalidArgument(where + " is empty");
    if (entry == "*") {
      policy.any_origin = true;
      continue;
    }
    if (std::string why = OriginProblem(entry); !why.empty()) {
      return InvalidArgument(where + " '" + std::string(entry) + "' is not an origin: " + why);
    }
    policy.origins.push_back(Lower(entry));
  }
  if (policy.any_origin && (!policy.origins.empty() || position > 1)) {
    return InvalidArgument("AETHER_CORS_ORIGINS: '*' must be the only entry");
  }
  return policy;
}

std::optional<http::Response> Preflight(const CorsPolicy& policy, const http::Request& req,
                                        const std::vector<std::string>& methods_for_path) {
  std::string_view method = req.Header("Access-Control-Request-Method");
  if (req.method != "OPTIONS" || req.Header("Origin").empty() || method.empty()) {
    return std::nullopt;
  }
  auto origin = AllowedOrigin(policy, req);
  if (!origin) return Denied("origin " + std::string(req.Header("Origin")) + " is not allowed");
  if (methods_for_path.empty()) return Denied("no route for " + req.path);
  auto has = [&](std::string_view m) {
    return std::find(methods_for_path.begin(), methods_for_path.end(), m) != methods_for_path.end();
  };
  const bool head_via_get = method == "HEAD" && has("GET");  // the router serves HEAD from GET
  if (!has(method) && !head_via_get) {
    return Denied("method " + std::string(method) + " is not allowed for " + req.path);
  }
  std::string methods;
  for (const auto& m : methods_for_path) methods += (methods.empty() ? "" : ", ") + m;
  if (head_via_get && !has("HEAD")) methods += ", HEAD";
  http::Response res;
  res.status = 204;
  SetAllowOrigin(policy, *origin, res);
  res.headers["Access-Control-Allow-Methods"] = methods;
  if (std::string headers = AllowHeaders(req.Header("Access-Control-Request-Headers"));
      !headers.empty()) {
    res.headers["Access-Control-Allow-Headers"] = headers;
  }
  res.headers["Access-Control-Max-Age"] = "600";
  return res;
}

void DecorateCors(const CorsPolicy& policy, const http::Request& req, http::Response& res) {
  auto origin = AllowedOrigin(policy, req);
  if (!origin) return;
  SetAllowOrigin(policy, *origin, res);
  res.headers["Access-Control-Expose-Headers"] = std::string(kCorsExposedHeaders);
}

}  // namespace aether::api
