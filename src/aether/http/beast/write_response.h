// WriteResponse: writes one http::Response on a connection (Content-Length or chunked). Used
// only by beast/server.cc (this header pulls in Boost, so nothing outside http/beast/ may
// include it); stateless, one call per response on the connection's own thread.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "aether/http/beast/conn_stream.h"
#include "aether/http/types.h"

namespace aether::http::beast_internal {

// Case-insensitive equality of header names and tokens.
bool IEquals(std::string_view a, std::string_view b);

// Writes `res` (a streamed response as chunks: its ChunkWriter returns false once `cut` is set
// or the client is gone); returns whether the connection may serve another request.
bool WriteResponse(ConnStream& stream, bool head, unsigned version, bool keep_alive, Response& res,
                   const std::atomic<bool>& cut, const std::string& log_name);

}  // namespace aether::http::beast_internal
