// The app list column of tokens.
#include "aether/store/token_columns.h"

namespace aether::store_tokens {

std::string JoinApps(const std::vector<std::string>& apps) {
  std::string out;
  for (const std::string& app : apps) {
    if (!out.empty()) out += ',';
    out += app;
  }
  return out;
}

std::vector<std::string> SplitApps(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace aether::store_tokens
