// Test helpers shared by the lockfile tests (npm, yarn, pnpm): look a package up by id and list
// a graph's ids. Test-only; stateless.
#pragma once

#include <string>
#include <vector>

#include "aether/artifact/lockfile.h"

namespace aether::artifact::testing {

using Ids = std::vector<std::string>;

inline const LockedPackage* Find(const LockGraph& g, const std::string& id) {
  for (const LockedPackage& p : g.packages) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

inline Ids IdsOf(const LockGraph& g) {
  Ids ids;
  for (const auto& p : g.packages) ids.push_back(p.id);
  return ids;
}

}  // namespace aether::artifact::testing
