// The SQLite store's versioned migrations and the code that applies them.
#include "aether/store/sqlite/sqlite_migrations.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "aether/store/sqlite/statement.h"

namespace aether::sqlite {
namespace {

// IF NOT EXISTS throughout: adopting a database made before versioned migrations runs this
// over the tables it already has.
constexpr const char* kInitial = R"sql(
CREATE TABLE IF NOT EXISTS apps (
  name TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  current_deployment TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS artifacts (
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  manifest BLOB NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  signature TEXT NOT NULL DEFAULT '',
  signed_by TEXT NOT NULL DEFAULT '',
  sbom TEXT NOT NULL DEFAULT '',
  provenance TEXT NOT NULL DEFAULT '',
  provenance_signed_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (app, digest)
);
CREATE INDEX IF NOT EXISTS artifacts_by_digest ON artifacts(digest);
CREATE TABLE IF NOT EXISTS public_keys (
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  pem TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  deactivated_at TEXT NOT NULL,
  PRIMARY KEY (app, id)
);
CREATE TABLE IF NOT EXISTS deployments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  artifact TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  url TEXT NOT NULL,
  phases TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deployments_by_app ON deployments(app, seq);
CREATE TABLE IF NOT EXISTS deployment_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  deployment TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_deployment ON deployment_events(deployment, seq);
CREATE TABLE IF NOT EXISTS tokens (
  hash TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL
);
)sql";

// Existing deployments are numbered per app in creation order; existing artifacts keep their
// insertion order as registration sequence and get their layers from the stored manifests.
constexpr const char* kReleases = R"sql(
ALTER TABLE deployments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
ALTER TABLE deployments ADD COLUMN instances INTEGER NOT NULL DEFAULT 1;
UPDATE deployments SET version = (
  SELECT COUNT(*) FROM deployments AS earlier
  WHERE earlier.app = deployments.app AND earlier.seq <= deployments.seq);
CREATE UNIQUE INDEX deployments_by_app_version ON deployments(app, version);
CREATE INDEX deployments_by_app_artifact ON deployments(app, artifact);
CREATE INDEX deployments_by_status ON deployments(status, seq);

ALTER TABLE artifacts ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE artifacts SET seq = rowid;
CREATE INDEX artifacts_by_app_seq ON artifacts(app, seq);
CREATE TABLE artifact_layers (
  app TEXT NOT NULL,
  artifact TEXT NOT NULL,
  layer TEXT NOT NULL,
  PRIMARY KEY (app, artifact, layer),
  FOREIGN KEY (app, artifact) REFERENCES artifacts(app, digest) ON DELETE CASCADE
);
CREATE INDEX artifact_layers_by_layer ON artifact_layers(layer);
INSERT OR IGNORE INTO artifact_layers(app, artifact, layer)
  SELECT a.app, a.digest, json_extract(l.value, '$.digest')
  FROM artifacts AS a,
       json_each(CASE WHEN json_valid(a.manifest) THEN a.manifest ELSE '{}' END, '$.layers') AS l
  WHERE CASE WHEN l.type = 'object' THEN json_type(l.value, '$.digest') = 'text' ELSE 0 END;

CREATE TABLE idempotency (
  key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX idempotency_by_created_at ON idempotency(created_at);
)sql";

// How each release is rolled out (rolling or dev-hot); earlier releases were all rolling.
constexpr const char* kStrategy = R"sql(
ALTER TABLE deployments ADD COLUMN strategy TEXT NOT NULL DEFAULT 'rolling';
)sql";

// Scoped tokens (apps, expiry, last use, revocation, rotation grace) and the audit trail.
constexpr const char* kTokens = R"sql(
ALTER TABLE tokens ADD COLUMN apps TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN last_used_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN revoked_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN previous_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN previous_until TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tokens_by_id ON tokens(id);
CREATE INDEX tokens_by_previous_hash ON tokens(previous_hash);
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  token_id TEXT NOT NULL,
  token_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  status INTEGER NOT NULL,
  remote_addr TEXT NOT NULL
);
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial", kInitial},
    {2, "releases", kReleases},
    {3, "strategy", kStrategy},
    {4, "tokens", kTokens},
};

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at TEXT NOT NULL)";

// Evidence columns of `artifacts`, missing from databases made before artifacts carried it.
constexpr const char* kEvidenceColumns[] = {"signature", "signed_by", "sbom", "provenance",
                                            "provenance_signed_by"};

Result<bool> TableExists(sqlite3* db, std::string_view table) {
  Statement st(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
  st.Bind(table);
  return st.Step();
}

// The newest recorded version; 0 for a new database or one made before migrations.
Result<int> SchemaVersion(sqlite3* db) {
  AETHER_ASSIGN_OR_RETURN(bool tracked, TableExists(db, "schema_migrations"));
  if (!tracked) return 0;
  Statement st(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? static_cast<int>(st.Int(0)) : 0;
}

Status AddEvidenceColumns(sqlite3* db) {
  for (const char* column : kEvidenceColumns) {
    Statement st(db, "SELECT 1 FROM pragma_table_info('artifacts') WHERE name=?");
    st.Bind(column);
    AETHER_ASSIGN_OR_RETURN(bool have, st.Step());
    if (have) continue;
    AETHER_RETURN_IF_ERROR(Exec(db, std::string("ALTER TABLE artifacts ADD COLUMN ") + column +
                                        " TEXT NOT NULL DEFAULT ''"));
  }
  return Status::Ok();
}

// Applies `m` unless the database already has it; runs inside the migration's transaction.
Status ApplyOne(sqlite3* db, const Migration& m, std::span<const Migration> all) {
  AETHER_ASSIGN_OR_RETURN(int current, SchemaVersion(db));
  AETHER_RETURN_IF_ERROR(CheckSchemaVersion("SQLite", current, all));
  if (current >= m.version) return Status::Ok();
  // Adopting a database made before versioned migrations: its artifacts may lack evidence.
  bool adopt = false;
  if (current == 0) {
    AETHER_ASSIGN_OR_RETURN(adopt, TableExists(db, "artifacts"));
  }
  Status s = Exec(db, kCreateSchemaMigrations);
  if (s.ok()) s = Exec(db, m.sql);
  if (s.ok() && adopt) s = AddEvidenceColumns(db);
  if (s.ok()) {
    Statement record(db,
                     "INSERT INTO schema_migrations(version, name, applied_at) "
                     "VALUES(?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
    record.Bind(static_cast<long long>(m.version), m.name);
    s = record.Run();
  }
  if (s.ok()) return s;
  return Status(s.code(), "SQLite migration " + std::to_string(m.version) + " (" + m.name +
                              ") failed: " + s.message());
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

Status Migrate(sqlite3* db, std::span<const Migration> migrations) {
  std::vector<Migration> ordered(migrations.begin(), migrations.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (const Migration& m : ordered) {
    AETHER_RETURN_IF_ERROR(Transaction(db, [&] { return ApplyOne(db, m, migrations); }));
  }
  return Status::Ok();
}

}  // namespace aether::sqlite
