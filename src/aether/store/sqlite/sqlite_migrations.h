// The SQLite store's schema as versioned migrations, and the code that applies them when a
// database is opened (each in one BEGIN IMMEDIATE transaction, recorded in schema_migrations).
// Functions over a connection the caller owns and does not share while they run.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <span>
#include <string>

#include "aether/core/status.h"
#include "aether/store/migration.h"
#include "aether/store/store.h"

namespace aether::sqlite {

// Version 1 is the schema of the releases before versioned migrations; 2 adds releases
// (version, description, config, instances), artifact order and layers, idempotency keys.
std::span<const Migration> Migrations();

// Brings `db` to the newest of `migrations`. A database made before versioned migrations (its
// tables exist, schema_migrations does not) is adopted as version 1 (missing tables and
// evidence columns added). kFailedPrecondition (CheckSchemaVersion) for a newer schema; a
// failing migration is rolled back and its error returned, naming it.
Status Migrate(sqlite3* db, std::span<const Migration> migrations);

}  // namespace aether::sqlite

namespace aether {

// OpenSqliteStore with another migration list: for tests of the migration machinery only.
Result<std::unique_ptr<MetadataStore>> OpenSqliteStoreWithMigrations(
    const std::string& path, std::span<const Migration> migrations);

}  // namespace aether
