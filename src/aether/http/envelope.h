// Internal helpers of the http module: JSON string escaping and the {"code","message"} error
// envelope the server and router produce themselves. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/http/types.h"

namespace aether::http {

// `s` as a quoted JSON string literal ("a\"b").
std::string JsonQuote(std::string_view s);
// A JSON response {"code": code, "message": message} with the given HTTP status.
Response ErrorEnvelope(int status, std::string_view code, std::string_view message);

}  // namespace aether::http
