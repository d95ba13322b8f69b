// Boost.Beast implementation of http::Forward: one upstream connection per call, driven by a
// private io_context so beast::tcp_stream's deadline applies. Stateless; safe from many
// threads. One of the TUs with Boost.
#include "aether/http/proxy.h"

#include <set>
#include <utility>

#include "aether/http/beast/boost_includes.h"

namespace aether::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr uint64_t kResponseLimit = 256ull * 1024 * 1024;

std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsHopByHop(const std::string& lower_name) {
  static const std::set<std::string> kHop = {"connection", "keep-alive",        "te",
                                             "trailer",    "transfer-encoding", "upgrade"};
  return kHop.count(lower_name) != 0 || lower_name.starts_with("proxy-");
}

// Header names listed in a Connection header are hop-by-hop too (RFC 9110 §7.6.1).
std::set<std::string> ConnectionTokens(std::string_view value) {
  std::set<std::string> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string token = Lower(value.substr(0, comma));
    std::erase_if(token, [](char c) { return c == ' ' || c == '\t'; });
    if (!token.empty()) out.insert(token);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
  return out;
}

// The raw target, or one rebuilt from the decoded path and query when it is unset.
std::string TargetOf(const Request& req) {
  if (!req.target.empty()) return req.target;
  std::string target;
  size_t start = 0;
  while (start < req.path.size()) {
    size_t slash = req.path.find('/', start);
    target += PercentEncode(std::string_view(req.path).substr(start, slash - start));
    if (slash == std::string::npos) break;
    target += '/';
    start = slash + 1;
  }
  if (target.empty() || target[0] != '/') target.insert(0, "/");
  char sep = '?';
  for (const auto& [key, value] : req.query) {
    target += sep + PercentEncode(key) + "=" + PercentEncode(value);
    sep = '&';
  }
  return target;
}

bhttp::request<bhttp::string_body> BuildUpstreamRequest(const Request& req,
                                                        const std::string& authority) {
  bhttp::request<bhttp::string_body> out;
  out.version(11);
  bhttp::verb verb = bhttp::string_to_verb(req.method);
  if (verb == bhttp::verb::unknown) {
    out.method_string(req.method);
  } else {
    out.method(verb);
  }
  out.target(TargetOf(req));
  std::set<std::string> dropped = ConnectionTokens(req.Header("Connection"));
  for (const auto& [name, value] : req.headers) {
    std::string lower = Lower(name);
    if (IsHopByHop(lower) || dropped.count(lower) != 0 || lower == "content-length" ||
        lower == "expect" || lower == "x-forwarded-for" || lower == "x-forwarded-host") {
      continue;
    }
    out.insert(name, value);
  }
  std::string xff(req.Header("X-Forwarded-For"));
  if (!req.remote_addr.empty()) xff += (xff.empty() ? "" : ", ") + req.remote_addr;
  if (!xff.empty()) out.set("X-Forwarded-For", xff);
  if (!req.Header("Host").empty()) {
    out.set("X-Forwarded-Host", std::string(req.Header("Host")));
  } else {
    out.set(bhttp::field::host, authority);
  }
  if (req.Header("X-Forwarded-Proto").empty()) out.set("X-Forwarded-Proto", "http");
  out.keep_alive(false);
  out.body() = req.body;
  out.prepare_payload();
  return out;
}

Response ToResponse(bhttp::response<bhttp::string_body>& msg) {
  Response res;
  res.status = static_cast<int>(msg.result_int());
  std::set<std::string> dropped = ConnectionTokens(ToString(msg[bhttp::field::connection]));
  for (const auto& field : msg) {
    std::string name = ToString(field.name_string());
    std::string lower = Lower(name);
    if (IsHopByHop(lower) || dropped.count(lower) != 0) continue;
    std::string value = ToString(field.value());
    auto [it, inserted] = res.headers.emplace(name, value);
    if (!inserted) it->second += (lower == "set-cookie" ? "\n" : ", ") + value;
  }
  res.body = std::move(msg.body());
  return res;
}

// Runs the io_context until the pending operation completes.
void RunPending(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

Result<Response> ForwardImpl(const Request& req, const std::string& host, int port,
                             std::chrono::milliseconds timeout) {
  const std::string authority = host + ":" + std::to_string(port);
  auto failure = [&](const error_code& ec, std::string_view what) -> Status {
    if (ec == beast::error::timeout) {
      return Status(ErrorCode::kTimeout, "upstream " + authority + " did not answer within " +
                                             std::to_string(timeout.count()) + " ms");
    }
    if (ec == bhttp::error::body_limit) {
      return Status(ErrorCode::kPayloadTooLarge,
                    "upstream " + authority + " response is larger than 256 MiB");
    }
    return Unavailable(std::string(what) + " " + authority + ": " + ec.message());
  };

  net::io_context ioc;
  error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return failure(ec, "cannot reach");

  beast::tcp_stream stream(ioc);
  if (timeout.count() > 0) {
    stream.expires_after(timeout);  // one deadline for the whole exchange
  } else {
    stream.expires_never();
  }
  stream.async_connect(endpoints, [&](const error_code& e, const tcp::endpoint&) { ec = e; });
  RunPending(ioc);
  if (ec) return failure(ec, "cannot reach");

  bhttp::request<bhttp::string_body> out = BuildUpstreamRequest(req, authority);
  bhttp::async_write(stream, out, [&](const error_code& e, size_t) { ec = e; });
  RunPending(ioc);
  if (ec) return failure(ec, "cannot send to");

  beast::flat_buffer buffer;
  for (;;) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(kResponseLimit);
    if (req.method == "HEAD") parser.skip(true);
    bhttp::async_read(stream, buffer, parser, [&](const error_code& e, size_t) { ec = e; });
    RunPending(ioc);
    if (ec) return failure(ec, "bad response from");
    bhttp::response<bhttp::string_body> msg = parser.release();
    unsigned status = msg.result_int();
    if (status >= 100 && status < 200 && status != 101) continue;  // interim (100, 103)
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return ToResponse(msg);
  }
}

}  // namespace

Result<Response> Forward(const Request& req, const std::string& host, int port,
                         std::chrono::milliseconds timeout) {
  try {
    return ForwardImpl(req, host, port, timeout);
  } catch (const std::exception& e) {
    return Internal("forwarding to " + host + ":" + std::to_string(port) + " failed: " + e.what());
  }
}

bool ProbeReady(const std::string& host, int port, const std::string& health_path,
                std::chrono::milliseconds timeout) {
  Request req;
  req.method = "GET";
  req.target = health_path.empty() ? "/" : health_path;
  req.headers["Host"] = host + ":" + std::to_string(port);
  auto res = Forward(req, host, port, timeout);
  if (!res.ok()) return false;
  return health_path.empty() || (res->status >= 200 && res->status < 400);
}

}  // namespace aether::http
