// WebSocket side of the Beast server (see websocket.h). The one TU with Beast's WebSocket
// headers. Blocking I/O on the connection's own thread: a client that stops reading blocks only
// its own stream (the log feed drops and counts lines for it).
#include "aether/http/beast/websocket.h"

#include <poll.h>

#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <exception>

namespace aether::http::beast_internal {

namespace websocket = boost::beast::websocket;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using tcp = boost::asio::ip::tcp;

bool IsWebSocketUpgrade(const bhttp::request<bhttp::string_body>& msg) {
  return websocket::is_upgrade(msg);
}

void ServeWebSocket(tcp::socket& socket, bhttp::request<bhttp::string_body>& msg, Response& res,
                    const std::atomic<bool>& cut, const std::string& log_name) {
  error_code ec;
  socket.non_blocking(false, ec);
  websocket::stream<tcp::socket&> ws(socket);
  ws.set_option(websocket::stream_base::decorator(
      [&](websocket::response_type& r) { r.set(bhttp::field::server, log_name); }));
  ws.accept(msg, ec);
  if (ec) return;
  ws.text(true);
  bool ok = true;
  ChunkWriter writer = [&](std::string_view data) -> bool {
    if (!ok || cut) return ok = false;
    if (data.empty()) {
      pollfd p{socket.native_handle(), POLLRDHUP, 0};
      return ok = ::poll(&p, 1, 0) == 0;
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
