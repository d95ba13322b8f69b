// Serialises an http::Response onto a connection: fixed-length bodies, HEAD, and chunked
// streams whose ChunkWriter stops at the server's drain deadline. Stateless; called from each
// connection thread of beast/server.cc. One of the TUs with Boost.
#include "aether/http/beast/write_response.h"

#include <cctype>
#include <cstdio>
#include <exception>
#include <utility>

#include "aether/http/types.h"

namespace aether::http::beast_internal {

namespace bhttp = boost::beast::http;

bool IEquals(std::string_view a, std::string_view b) {
  return !CaseInsensitiveLess()(a, b) && !CaseInsensitiveLess()(b, a);
}

namespace {

// Copies handler headers into `out`, except the framing ones the server owns.
void FillHeaders(bhttp::response_header<>& out, const Response& res, bool* close) {
  for (const auto& [name, value] : res.headers) {
    if (IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding")) continue;
    if (IEquals(name, "Connection")) {
      std::string lower = value;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.find("close") != std::string::npos) *close = true;
      continue;
    }
    size_t start = 0;
    for (;;) {
      size_t nl = value.find('\n', start);
      std::string piece = value.substr(start, nl - start);
      std::erase(piece, '\r');
      out.insert(name, piece);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
}
}  // namespace

bool WriteResponse(ConnStream& stream, bool head, unsigned version, bool keep_alive, Response& res,
                   const std::atomic<bool>& cut, const std::string& log_name) {
  error_code ec;
  const int status = (res.status >= 100 && res.status <= 999) ? res.status : 500;
  bool close = !keep_alive;
  const bool no_body = status < 200 || status == 204 || status == 304;
  if (res.stream && !head && !no_body) {
    bhttp::response<bhttp::empty_body> out{static_cast<bhttp::status>(status), version};
    FillHeaders(out, res, &close);
    out.chunked(true);
    out.keep_alive(!close);
    bhttp::response_serializer<bhttp::empty_body> sr{out};
    bhttp::write_header(stream, sr, ec);
    if (ec) return false;
    bool ok = true;
    ChunkWriter writer = [&](std::string_view data) -> bool {
      if (!ok || cut) return ok = false;
      if (data.empty()) return ok = stream.PeerAlive();
      net::write(stream, bhttp::make_chunk(net::const_buffer(data.data(), data.size())), ec);
      return ok = !ec;
    };
    try {
      res.stream(writer);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "[%s] stream threw: %s\n", log_name.c_str(), e.what());
      ok = false;
    } catch (...) {
      ok = false;
    }
    if (!ok) return false;  // the response is cut short: the client sees no last chunk
    net::write(stream, bhttp::make_chunk_last(), ec);
    return !ec && !close;
  }

  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(status), version};
  FillHeaders(out, res, &close);
  out.keep_alive(!close);
  if (!no_body) {
    if (out.find(bhttp::field::content_type) == out.end() && !res.body.empty()) {
      out.set(bhttp::field::content_type, "application/json");
    }
    auto declared = res.headers.find("Content-Length");
    if (head && res.stream) {
      out.chunked(true);
    } else if (head && res.body.empty() && declared != res.headers.end()) {
      out.set(bhttp::field::content_length, declared->second);  // HEAD of a known size
    } else {
      out.content_length(res.body.size());
    }
  }
  if (head || no_body) {
    bhttp::response_serializer<bhttp::string_body> sr{out};
    bhttp::write_header(stream, sr, ec);
  } else {
    out.body() = std::move(res.body);
    bhttp::write(stream, out, ec);
  }
  return !ec && !close;
}

}  // namespace aether::http::beast_internal
