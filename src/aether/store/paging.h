// Keyset-paging helpers shared by the MetadataStore implementations: the clamped limit, numeric
// page keys and trimming a page fetched with one extra row. Stateless; thread-safe.
#pragma once

#include <limits>
#include <string_view>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether::paging {

inline constexpr int kDefaultLimit = 50;
// The `if_first` of NumericAfter for lists in descending key order.
inline constexpr long long kNoUpperBound = std::numeric_limits<long long>::max();

// `page.limit` clamped to 1…kMaxPageLimit; a limit ≤ 0 means kDefaultLimit.
int Limit(const PageRequest& page);

// The decimal key in `page.after`, or `if_first` when it is empty (the first page);
// kInvalidArgument when it is not a non-negative decimal number.
Result<long long> NumericAfter(const PageRequest& page, long long if_first);

// Drops the extra row of a page fetched with `limit` + 1 rows; true when there was one (so the
// page has a successor and its `next` is the key of its last item).
template <typename T>
bool Trim(std::vector<T>& items, int limit) {
  if (items.size() <= static_cast<size_t>(limit)) return false;
  items.resize(static_cast<size_t>(limit));
  return true;
}

}  // namespace aether::paging
