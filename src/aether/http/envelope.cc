// JSON error envelope used by the server and the router for errors they raise themselves.
// Pure functions; thread-safe.
#include "aether/http/envelope.h"

#include <cstdio>

namespace aether::http {

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

Response ErrorEnvelope(int status, std::string_view code, std::string_view message) {
  return Response::Json(
      status, "{\"code\":" + JsonQuote(code) + ",\"message\":" + JsonQuote(message) + "}");
}

}  // namespace aether::http
