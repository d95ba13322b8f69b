// The {"code","message"} error envelope every AetherEngine HTTP error uses, built in one place
// (the server, the API, the router and aetherd's start-up answer all call it), and the JSON
// string escaping it needs. Pure functions; thread-safe.
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
