// The PostgreSQL schema as versioned migrations, and the code that applies them on open.
#include <string>

#include "aether/store/postgres/postgres_internal.h"

namespace aether::pg {
namespace {

// Text columns hold what the SQLite store holds; manifests are bytea (the exact bytes), config
// and phases are JSON text. Every `seq` gives insertion order for listing and paging; app
// names and idempotency times compare bytewise (COLLATE "C") like in the other stores,
// whatever the database's locale.
constexpr const char* kInitial = R"sql(
CREATE TABLE apps (
  name TEXT COLLATE "C" PRIMARY KEY,
  created_at TEXT NOT NULL,
  current_deployment TEXT NOT NULL DEFAULT ''
);
CREATE TABLE artifacts (
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  seq BIGSERIAL NOT NULL UNIQUE,
  manifest BYTEA NOT NULL,
  size BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  signature TEXT NOT NULL DEFAULT '',
  signed_by TEXT NOT NULL DEFAULT '',
  sbom TEXT NOT NULL DEFAULT '',
  provenance TEXT NOT NULL DEFAULT '',
  provenance_signed_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (app, digest)
);
CREATE INDEX artifacts_by_digest ON artifacts(digest);
CREATE INDEX artifacts_by_app_seq ON artifacts(app, seq);
CREATE TABLE artifact_layers (
  app TEXT NOT NULL,
  artifact TEXT NOT NULL,
  position INT NOT NULL,
  layer TEXT NOT NULL,
  PRIMARY KEY (app, artifact, position),
  FOREIGN KEY (app, artifact) REFERENCES artifacts(app, digest) ON DELETE CASCADE
);
CREATE INDEX artifact_layers_by_layer ON artifact_layers(layer);
CREATE TABLE public_keys (
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  id TEXT NOT NULL,
  seq BIGSERIAL NOT NULL,
  name TEXT NOT NULL,
  pem TEXT NOT NULL,
  active BOOLEAN NOT NULL,
  created_at TEXT NOT NULL,
  deactivated_at TEXT NOT NULL,
  PRIMARY KEY (app, id)
);
CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
  version BIGINT NOT NULL,
  seq BIGSERIAL NOT NULL,
  artifact TEXT NOT NULL,
  description TEXT NOT NULL,
  config TEXT NOT NULL,
  instances INT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  url TEXT NOT NULL,
  phases TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (app, version)
);
CREATE INDEX deployments_by_artifact ON deployments(app, artifact);
CREATE INDEX deployments_by_status ON deployments(status, seq);
CREATE TABLE deployment_events (
  seq BIGSERIAL PRIMARY KEY,
  deployment TEXT NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX deployment_events_by_deployment ON deployment_events(deployment, seq);
CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE idempotency (
  key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  status INT NOT NULL,
  response BYTEA NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idempotency_by_created_at ON idempotency(created_at);
)sql";

// How each release is rolled out (rolling or dev-hot); earlier releases were all rolling.
constexpr const char* kStrategy = R"sql(
ALTER TABLE deployments ADD COLUMN strategy TEXT NOT NULL DEFAULT 'rolling';
)sql";

// Scoped tokens (apps, expiry, last use, revocation, rotation grace) and the audit trail.
constexpr const char* kTokens = R"sql(
ALTER TABLE tokens ADD COLUMN apps TEXT NOT NULL DEFAULT '',
  ADD COLUMN expires_at TEXT NOT NULL DEFAULT '',
  ADD COLUMN last_used_at TEXT NOT NULL DEFAULT '',
  ADD COLUMN revoked_at TEXT NOT NULL DEFAULT '',
  ADD COLUMN previous_hash TEXT NOT NULL DEFAULT '',
  ADD COLUMN previous_until TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tokens_by_id ON tokens(id);
CREATE INDEX tokens_by_previous_hash ON tokens(previous_hash);
CREATE TABLE audit_events (
  seq BIGSERIAL PRIMARY KEY,
  time TEXT NOT NULL,
  token_id TEXT NOT NULL,
  token_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  status INT NOT NULL,
  remote_addr TEXT NOT NULL
);
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial", kInitial},
    {2, "strategy", kStrategy},
    {3, "tokens", kTokens},
};

// Any fixed number works: every aetherd on one database takes the same one.
constexpr long long kMigrationLock = 0x6165746865720001;  // "aether", 1

// One step, inside the caller's transaction: wait for the lock, read the version, apply the
// next missing migration (or set `done`).
Status Step(Conn& conn, std::span<const Migration> migrations, bool* done) {
  AETHER_RETURN_IF_ERROR(conn.Query("SELECT pg_advisory_xact_lock($1)", {kMigrationLock}).status());
  AETHER_RETURN_IF_ERROR(
      conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)"));
  AETHER_ASSIGN_OR_RETURN(Rows rows,
                          conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  int version = static_cast<int>(rows.Int(0, 0));
  AETHER_RETURN_IF_ERROR(CheckSchemaVersion("PostgreSQL", version, migrations));
  const Migration* next = nullptr;
  for (const Migration& m : migrations) {
    if (m.version > version && (next == nullptr || m.version < next->version)) next = &m;
  }
  if (next == nullptr) {
    *done = true;
    return Status::Ok();
  }
  Status applied = conn.Exec(next->sql);
  if (!applied.ok()) {
    return {applied.code(), "PostgreSQL migration " + std::to_string(next->version) + " (" +
                                next->name + ") failed, schema left at version " +
                                std::to_string(version) + ": " + conn.last_error()};
  }
  return conn
      .Query(
          "INSERT INTO schema_migrations(version, name, applied_at) VALUES($1, $2, "
          "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
          {next->version, next->name})
      .status();
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

Status Migrate(Conn& conn, std::span<const Migration> migrations) {
  bool done = false;
  while (!done) {
    AETHER_RETURN_IF_ERROR(conn.Exec("BEGIN"));
    Status status = Step(conn, migrations, &done);
    if (!status.ok()) {
      (void)conn.Exec("ROLLBACK");
      return status;
    }
    AETHER_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  }
  return Status::Ok();
}

}  // namespace aether::pg
