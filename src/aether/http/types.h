// HTTP value types shared by the server, the client, the router and the proxy.
// Plain data; no Boost or curl types. Thread-compatible.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace aether::http {

struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
// One value per name. Repeated request headers are joined with ", ". In a Response, a value
// holding '\n' is sent as one header line per piece (used for several Set-Cookie headers).
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;                         // "GET", "PUT", …
  std::string target;                         // raw request target: "/apps/x?limit=2"
  std::string path;                           // percent-decoded path part of target: "/apps/x"
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  std::map<std::string, std::string> params;  // route captures, filled by Router
  std::string route;  // pattern of the matched route ("/apps/{app}"), set by Router; "" if none
  Headers headers;
  std::string body;
  std::string remote_addr;  // peer IP, set by the server
  // The client asked to upgrade to WebSocket (set by the server). A handler that answers 200
  // with a `stream` then has each chunk it writes sent as one WebSocket text message; any other
  // answer is sent as plain HTTP (the handshake fails with that status).
  bool websocket = false;

  // Header value or "" when absent.
  std::string_view Header(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;
  // A route capture ("app" for "/apps/{app}"); "" when absent.
  const std::string& Param(const std::string& name) const;
};

// Writes one chunk of a streamed response; returns false once the client has gone away or the
// server is stopping. An empty chunk sends nothing and only reports whether the client is still
// there, so a stream waiting for data can poll it.
using ChunkWriter = std::function<bool(std::string_view)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the server sends headers then calls `stream` with a chunk writer (chunked
  // transfer encoding) instead of sending `body`. Used for logs and large downloads.
  std::function<void(const ChunkWriter&)> stream;

  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response Json(int status, std::string json_body);
};

// Percent-decoding of a path or query component ('+' stays '+' in paths, means ' ' in queries).
std::string PercentDecode(std::string_view s, bool plus_is_space = false);
// RFC 3986 unreserved-set encoding.
std::string PercentEncode(std::string_view s);
// Splits a raw target into a decoded path and query map.
void ParseTarget(std::string_view target, std::string* path,
                 std::map<std::string, std::string>* query);

}  // namespace aether::http
