// Keyset-paging helpers shared by the MetadataStore implementations.
#include "aether/store/paging.h"

#include <charconv>
#include <string>

namespace aether::paging {

int Limit(const PageRequest& page) {
  if (page.limit <= 0) return kDefaultLimit;
  return page.limit > kMaxPageLimit ? kMaxPageLimit : page.limit;
}

Result<long long> NumericAfter(const PageRequest& page, long long if_first) {
  if (page.after.empty()) return if_first;
  const char* begin = page.after.data();
  const char* end = begin + page.after.size();
  long long value = 0;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value < 0) {
    return InvalidArgument("malformed page cursor '" + page.after + "'");
  }
  return value;
}

}  // namespace aether::paging
