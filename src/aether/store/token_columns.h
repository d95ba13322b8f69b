// How both SQL stores keep a token's app list in one text column: the names joined by ','
// (app names are DNS labels, so they never hold one). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aether::store_tokens {

std::string JoinApps(const std::vector<std::string>& apps);
std::vector<std::string> SplitApps(std::string_view text);  // "" → {}

}  // namespace aether::store_tokens
