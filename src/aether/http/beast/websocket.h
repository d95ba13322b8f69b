// ServeWebSocket: answers a WebSocket upgrade whose handler returned a streamed 200 response:
// completes the handshake, then sends each chunk the response's stream writes as one text
// message, and closes normally when the stream ends. Used only by beast/server.cc (this header
// pulls in Boost); the WebSocket headers stay inside websocket.cc. One call per connection.
#pragma once

#include <atomic>
#include <string>

#include "aether/http/beast/boost_includes.h"
#include "aether/http/beast/conn_stream.h"
#include "aether/http/types.h"

namespace aether::http::beast_internal {

// Whether `msg` asks for a WebSocket upgrade.
bool IsWebSocketUpgrade(const boost::beast::http::request<boost::beast::http::string_body>& msg);

// Runs the handshake on `stream` (plain or TLS) and streams `res`. The connection cannot serve
// another request afterwards.
void ServeWebSocket(ConnStream& stream,
                    boost::beast::http::request<boost::beast::http::string_body>& msg,
                    Response& res, const std::atomic<bool>& cut, const std::string& log_name);

}  // namespace aether::http::beast_internal
