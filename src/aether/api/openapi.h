// The OpenAPI 3.1 document of aetherd's REST API (src/aether/api/openapi.json), embedded in the
// binary at build time (cmake/EmbedText.cmake) and served at GET /openapi.json. Immutable
// static data; thread-safe.
#pragma once

#include <string_view>

namespace aether::api {

// The exact bytes of openapi.json.
std::string_view OpenApiDocument();

}  // namespace aether::api
