// Pagination for list routes: `?limit=` (1…500, default 50) and `?cursor=` (opaque: the store's
// page key, base64url-encoded) in; `"next_cursor"` (null on the last page) out.
// Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "aether/core/model.h"
#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::api {

// kInvalidArgument for a limit that is not an integer in range or a cursor that is not ours.
Result<PageRequest> PageFrom(const http::Request& req);

// `{items_field: [...], "next_cursor": …}` for a page of items already encoded.
nlohmann::json PageJson(const char* items_field, nlohmann::json items, const std::string& next);

}  // namespace aether::api
