// WebSocket side of the Beast server (see websocket.h). The one TU with Beast's WebSocket
// headers. I/O on the connection's own thread with the connection's progress timeout: a client
// that stops reading blocks only its own stream (the log feed drops and counts lines for it) and
// is cut off after ServerOptions::io_timeout without progress.
#include "aether/http/beast/websocket.h"

#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <exception>

namespace aether::http::beast_internal {

namespace websocket = boost::beast::websocket;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

bool IsWebSocketUpgrade(const bhttp::request<bhttp::string_body>& msg) {
  return websocket::is_upgrade(msg);
}

void ServeWebSocket(ConnStream& stream, bhttp::request<bhttp::string_body>& msg, Response& res,
                    const std::atomic<bool>& cut, const std::string& log_name) {
  error_code ec;
  stream.raw().ClearReadDeadline();
  websocket::stream<ConnStream&> ws(stream);
  ws.set_option(websocket::stream_base::decorator(
      [&](websocket::response_type& r) { r.set(bhttp::field::server, log_name); }));
  ws.accept(msg, ec);
  if (ec) return;
  ws.text(true);
  bool ok = true;
  ChunkWriter writer = [&](std::string_view data) -> bool {
    if (!ok || cut) return ok = false;
    if (data.empty()) {
      return ok = stream.PeerAlive();
    }
    ws.write(boost::asio::buffer(data.data(), data.size()), ec);
    return ok = !ec;
  };
  try {
    res.stream(writer);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[%s] websocket stream threw: %s\n", log_name.c_str(), e.what());
    ok = false;
  }
  if (ok) ws.close(websocket::close_code::normal, ec);
}

}  // namespace aether::http::beast_internal
