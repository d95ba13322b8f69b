// Pagination for list routes: `?limit=` (1…500, default 50) and `?cursor=` (opaque: the store's
// page key, base64url-encoded) in; `"next_cursor"` (null on the last page) out.
// Stateless; thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"
#include "aether/http/types.h"

namespace aether::api {

// kInvalidArgument for a limit that is not an integer in range or a cursor that is not ours.
Result<PageRequest> PageFrom(const http::Request& req);

// A page of a short list the service returns whole and in order (an app's public keys): the
// items after the one whose key (`key_of(item)`, unique) is `page.after`. kInvalidArgument
// when no item has that key.
template <typename T, typename KeyOf>
Result<Page<T>> SlicePage(const std::vector<T>& all, const PageRequest& page, KeyOf key_of) {
  size_t from = 0;
  if (!page.after.empty()) {
    while (from < all.size() && key_of(all[from]) != page.after) ++from;
    if (from == all.size()) return InvalidArgument("cursor is not one this server gave out");
    ++from;
  }
  Page<T> out;
  size_t to = std::min(all.size(), from + static_cast<size_t>(page.limit));
  out.items.assign(all.begin() + static_cast<std::ptrdiff_t>(from),
                   all.begin() + static_cast<std::ptrdiff_t>(to));
  if (to < all.size() && to > from) out.next = key_of(all[to - 1]);
  return out;
}

// `{items_field: [...], "next_cursor": …}` for a page of items already encoded.
nlohmann::json PageJson(const char* items_field, nlohmann::json items, const std::string& next);

}  // namespace aether::api
