// Factory for the SQLite MetadataStore, the embedded default (one file under the data dir).
// The store holds one connection guarded by a mutex; thread-safe. WAL mode, foreign keys on.
#pragma once

#include <memory>
#include <string>

#include "aether/store/store.h"

namespace aether {

// Opens (creating if needed) the database at `path` and applies the missing schema migrations
// (sqlite_migrations.h); kFailedPrecondition for a database from a newer aetherd. ":memory:"
// gives a private in-memory database (for tests).
Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path);

}  // namespace aether
