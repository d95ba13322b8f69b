// The Beast server's WebSocket upgrade: a streamed 200 answer becomes one text message per chunk
// and a normal close; any other answer is sent as plain HTTP, so the handshake fails with it.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "aether/http/server.h"

namespace aether::http {
namespace {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

std::unique_ptr<Server> Start() {
  auto server = StartServer({}, [](Request& req) {
    if (req.path == "/refuse") return Response::Text(400, "no");
    Response res;
    const bool ws = req.websocket;
    res.stream = [ws](const ChunkWriter& write) {
      write(ws ? "websocket" : "http");
      write("second");
    };
    return res;
  });
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return std::move(*server);
}

TEST(WebSocket, EachChunkIsOneMessageThenANormalClose) {
  auto server = Start();
  net::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  tcp::resolver resolver(ioc);
  net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(server->port())));
  ws.handshake("127.0.0.1", "/logs");
  std::vector<std::string> got;
  for (;;) {
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws.read(buffer, ec);
    if (ec == websocket::error::closed) break;
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(ws.got_text());
    got.push_back(boost::beast::buffers_to_string(buffer.data()));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"websocket", "second"}));
  EXPECT_EQ(ws.reason().code, websocket::close_code::normal);
}

TEST(WebSocket, AnErrorAnswerFailsTheHandshakeWithItsStatus) {
  auto server = Start();
  net::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  tcp::resolver resolver(ioc);
  net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(server->port())));
  websocket::response_type res;
  boost::system::error_code ec;
  ws.handshake(res, "127.0.0.1", "/refuse", ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(res.result_int(), 400);
}

}  // namespace
}  // namespace aether::http
