// Versioned schema migrations, shared by the SQL stores: each engine lists its migrations in
// order (version 1, 2, …); opening a store applies the missing ones, each in a transaction,
// and records it in the `schema_migrations` table (version, name, applied_at). A database
// whose schema is newer than the binary knows is refused. Plain data; thread-compatible.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether {

struct Migration {
  int version;       // 1, 2, … without gaps
  const char* name;  // "initial", "releases", …
  const char* sql;   // statements run in one transaction
};

// The newest version in `migrations` (0 when empty).
int LatestVersion(std::span<const Migration> migrations);

// Ok when `database_version` ≤ the newest known; otherwise kFailedPrecondition naming both
// versions and the engine, telling the operator to run a newer aetherd.
Status CheckSchemaVersion(std::string_view engine, int database_version,
                          std::span<const Migration> migrations);

}  // namespace aether
