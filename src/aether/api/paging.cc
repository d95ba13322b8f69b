// Cursor encoding and limit parsing.
#include "aether/api/paging.h"

#include <algorithm>
#include <charconv>

#include "aether/crypto/base64.h"

namespace aether::api {
namespace {

std::string EncodeCursor(const std::string& key) {
  std::string b64 = crypto::Base64Encode(key);
  std::replace(b64.begin(), b64.end(), '+', '-');
  std::replace(b64.begin(), b64.end(), '/', '_');
  return b64;
}

Result<std::string> DecodeCursor(std::string text) {
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  auto key = crypto::Base64Decode(text);
  if (!key.ok() || key->empty()) return InvalidArgument("cursor is not one this server gave out");
  return key;
}

}  // namespace

Result<PageRequest> PageFrom(const http::Request& req) {
  PageRequest page;
  if (auto limit = req.Query("limit")) {
    int n = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1 || n > kMaxPageLimit) {
      return InvalidArgument("limit must be an integer from 1 to " + std::to_string(kMaxPageLimit) +
                             ", not '" + *limit + "'");
    }
    page.limit = n;
  }
  if (auto cursor = req.Query("cursor"); cursor && !cursor->empty()) {
    AETHER_ASSIGN_OR_RETURN(page.after, DecodeCursor(*cursor));
  }
  return page;
}

nlohmann::json PageJson(const char* items_field, nlohmann::json items, const std::string& next) {
  return {
      {items_field, std::move(items)},
      {"next_cursor", next.empty() ? nlohmann::json(nullptr) : nlohmann::json(EncodeCursor(next))}};
}

}  // namespace aether::api
