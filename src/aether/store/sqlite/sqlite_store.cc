// SQLite implementation of MetadataStore: prepared statements over one guarded connection.
#include "aether/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "aether/store/sqlite/statement.h"

namespace aether {
namespace {

constexpr const char* kSchema = R"sql(
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

std::string PhasesToJson(const std::vector<PhaseTiming>& phases) {
  auto arr = nlohmann::json::array();
  for (const auto& p : phases) arr.push_back({{"name", p.name}, {"ms", p.ms}});
  return arr.dump();
}

std::vector<PhaseTiming> PhasesFromJson(const std::string& text) {
  std::vector<PhaseTiming> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& p : j) {
    out.push_back({p.value("name", ""), p.value("ms", 0LL)});
  }
  return out;
}

// Evidence columns of `artifacts`, added to databases created before they existed.
constexpr const char* kEvidenceColumns[] = {"signature", "signed_by", "sbom", "provenance",
                                            "provenance_signed_by"};

Status AddMissingColumns(sqlite3* db) {
  for (const char* column : kEvidenceColumns) {
    sqlite::Statement st(db, "SELECT 1 FROM pragma_table_info('artifacts') WHERE name=?");
    st.Bind(column);
    AETHER_ASSIGN_OR_RETURN(bool have, st.Step());
    if (have) continue;
    AETHER_RETURN_IF_ERROR(sqlite::Exec(db, std::string("ALTER TABLE artifacts ADD COLUMN ") +
                                                column + " TEXT NOT NULL DEFAULT ''"));
  }
  return Status::Ok();
}

Status AppNotFound(std::string_view name) {
  return NotFound("app '" + std::string(name) + "' not found");
}

class SqliteStore final : public MetadataStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Status Init() {
    AETHER_RETURN_IF_ERROR(sqlite::Exec(db_,
                                        "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                                        "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;" +
                                            std::string(kSchema)));
    return AddMissingColumns(db_);
  }

  Status Ping() override {
    std::lock_guard lock(mu_);
    return sqlite::Exec(db_, "SELECT 1");
  }

  Status CreateApp(const App& app) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_,
                         "INSERT INTO apps(name, created_at, current_deployment) "
                         "VALUES(?,?,?)");
    st.Bind(app.name, app.created_at, app.current_deployment);
    Status s = st.Run();
    if (s.code() == ErrorCode::kConflict)
      return AlreadyExists("app '" + app.name + "' already exists");
    return s;
  }

  Result<App> GetApp(std::string_view name) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, "SELECT name, created_at, current_deployment FROM apps WHERE name=?");
    st.Bind(name);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return AppNotFound(name);
    return App{st.Text(0), st.Text(1), st.Text(2)};
  }

  Result<std::vector<App>> ListApps() override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_,
                         "SELECT name, created_at, current_deployment FROM apps ORDER BY name");
    std::vector<App> out;
    while (true) {
      AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(App{st.Text(0), st.Text(1), st.Text(2)});
    }
    return out;
  }

  Status DeleteApp(std::string_view name) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, "DELETE FROM apps WHERE name=?");
    st.Bind(name);
    AETHER_RETURN_IF_ERROR(st.Run());
    if (sqlite3_changes(db_) == 0) return AppNotFound(name);
    return Status::Ok();
  }

  Status SetCurrentDeployment(std::string_view app, std::string_view id) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, "UPDATE apps SET current_deployment=? WHERE name=?");
    st.Bind(id, app);
    AETHER_RETURN_IF_ERROR(st.Run());
    if (sqlite3_changes(db_) == 0) return AppNotFound(app);
    return Status::Ok();
  }

  Status PutArtifact(const ArtifactRecord& a) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(
        db_,
        "INSERT INTO artifacts(app, digest, manifest, size, created_at, signature, signed_by, "
        "sbom, provenance, provenance_signed_by) VALUES(?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(app, digest) DO UPDATE SET signature=excluded.signature, "
        "signed_by=excluded.signed_by, sbom=excluded.sbom, provenance=excluded.provenance, "
        "provenance_signed_by=excluded.provenance_signed_by");
    st.Bind(a.app, a.digest, a.manifest, a.size, a.created_at, a.signature, a.signed_by, a.sbom,
            a.provenance, a.provenance_signed_by);
    Status s = st.Run();
    if (s.code() == ErrorCode::kConflict) return AppNotFound(a.app);  // foreign key
    return s;
  }

  Result<ArtifactRecord> GetArtifact(std::string_view app, std::string_view digest) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, std::string(kSelectArtifact) + " WHERE app=? AND digest=?");
    st.Bind(app, digest);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return NotFound("artifact " + std::string(digest) + " is not registered for app '" +
                      std::string(app) + "'");
    }
    return ReadArtifact(st);
  }

  Result<ArtifactRecord> FindArtifact(std::string_view digest) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, std::string(kSelectArtifact) + " WHERE digest=? LIMIT 1");
    st.Bind(digest);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return NotFound("artifact " + std::string(digest) + " is not registered");
    return ReadArtifact(st);
  }

  Status PutPublicKey(const PublicKey& k) override {
    std::lock_guard lock(mu_);
    {
      sqlite::Statement exists(db_, "SELECT 1 FROM public_keys WHERE app=? AND id=?");
      exists.Bind(k.app, k.id);
      AETHER_ASSIGN_OR_RETURN(bool found, exists.Step());
      if (found) {
        return AlreadyExists("key " + k.id + " is already registered for app '" + k.app + "'");
      }
    }
    sqlite::Statement st(db_,
                         "INSERT INTO public_keys(app, id, name, pem, active, created_at, "
                         "deactivated_at) VALUES(?,?,?,?,?,?,?)");
    st.Bind(k.app, k.id, k.name, k.pem, static_cast<long long>(k.active ? 1 : 0), k.created_at,
            k.deactivated_at);
    Status s = st.Run();
    if (s.code() == ErrorCode::kConflict) return AppNotFound(k.app);  // foreign key
    return s;
  }

  Result<std::vector<PublicKey>> ListPublicKeys(std::string_view app) override {
    std::lock_guard lock(mu_);
    AETHER_RETURN_IF_ERROR(RequireApp(app));
    sqlite::Statement st(db_, std::string(kSelectKey) + " WHERE app=? ORDER BY rowid");
    st.Bind(app);
    std::vector<PublicKey> out;
    while (true) {
      AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadKey(st));
    }
    return out;
  }

  Result<PublicKey> DeactivatePublicKey(std::string_view app, std::string_view id,
                                        std::string_view when) override {
    std::lock_guard lock(mu_);
    sqlite::Statement update(db_,
                             "UPDATE public_keys SET active=0, deactivated_at=? "
                             "WHERE app=? AND id=? AND active=1");
    update.Bind(when, app, id);
    AETHER_RETURN_IF_ERROR(update.Run());
    sqlite::Statement st(db_, std::string(kSelectKey) + " WHERE app=? AND id=?");
    st.Bind(app, id);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return NotFound("key " + std::string(id) + " is not registered for app '" + std::string(app) +
                      "'");
    }
    return ReadKey(st);
  }

  Status CreateDeployment(const Deployment& d) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_,
                         "INSERT INTO deployments(id, app, artifact, status, reason, url, phases, "
                         "created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?)");
    st.Bind(d.id, d.app, d.artifact, d.status, d.reason, d.url, PhasesToJson(d.phases),
            d.created_at, d.updated_at);
    Status s = st.Run();
    if (s.code() == ErrorCode::kConflict) return AppNotFound(d.app);
    return s;
  }

  Status UpdateDeployment(const Deployment& d) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_,
                         "UPDATE deployments SET status=?, reason=?, url=?, phases=?, "
                         "updated_at=? WHERE id=?");
    st.Bind(d.status, d.reason, d.url, PhasesToJson(d.phases), d.updated_at, d.id);
    AETHER_RETURN_IF_ERROR(st.Run());
    if (sqlite3_changes(db_) == 0) return NotFound("deployment '" + d.id + "' not found");
    return Status::Ok();
  }

  Result<Deployment> GetDeployment(std::string_view id) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, std::string(kSelectDeployment) + " WHERE id=?");
    st.Bind(id);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return NotFound("deployment '" + std::string(id) + "' not found");
    return ReadDeployment(st);
  }

  Result<std::vector<Deployment>> ListDeployments(std::string_view app) override {
    std::lock_guard lock(mu_);
    AETHER_RETURN_IF_ERROR(RequireApp(app));
    sqlite::Statement st(db_, std::string(kSelectDeployment) + " WHERE app=? ORDER BY seq DESC");
    st.Bind(app);
    std::vector<Deployment> out;
    while (true) {
      AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(ReadDeployment(st));
    }
    return out;
  }

  Status AppendEvent(const DeploymentEvent& e) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_,
                         "INSERT INTO deployment_events(deployment, time, type, message) "
                         "VALUES(?,?,?,?)");
    st.Bind(e.deployment, e.time, e.type, e.message);
    Status s = st.Run();
    if (s.code() == ErrorCode::kConflict) {
      return NotFound("deployment '" + e.deployment + "' not found");
    }
    return s;
  }

  Result<std::vector<DeploymentEvent>> ListEvents(std::string_view deployment) override {
    std::lock_guard lock(mu_);
    {
      sqlite::Statement exists(db_, "SELECT 1 FROM deployments WHERE id=?");
      exists.Bind(deployment);
      AETHER_ASSIGN_OR_RETURN(bool found, exists.Step());
      if (!found) return NotFound("deployment '" + std::string(deployment) + "' not found");
    }
    sqlite::Statement st(db_,
                         "SELECT seq, deployment, time, type, message FROM deployment_events "
                         "WHERE deployment=? ORDER BY seq");
    st.Bind(deployment);
    std::vector<DeploymentEvent> out;
    while (true) {
      AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back({st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4)});
    }
    return out;
  }

  Status PutToken(const TokenRecord& t) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_,
                         "INSERT OR REPLACE INTO tokens(hash, id, name, role, created_at) "
                         "VALUES(?,?,?,?,?)");
    st.Bind(t.hash, t.id, t.name, t.role, t.created_at);
    return st.Run();
  }

  Result<TokenRecord> FindTokenByHash(std::string_view hash) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, "SELECT id, name, hash, role, created_at FROM tokens WHERE hash=?");
    st.Bind(hash);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return NotFound("unknown token");
    return TokenRecord{st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4)};
  }

  Result<long long> CountTokens(std::string_view role) override {
    std::lock_guard lock(mu_);
    sqlite::Statement st(db_, "SELECT COUNT(*) FROM tokens WHERE role=?");
    st.Bind(role);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? st.Int(0) : 0;
  }

 private:
  Status RequireApp(std::string_view app) {
    sqlite::Statement exists(db_, "SELECT 1 FROM apps WHERE name=?");
    exists.Bind(app);
    AETHER_ASSIGN_OR_RETURN(bool found, exists.Step());
    return found ? Status::Ok() : AppNotFound(app);
  }

  static constexpr const char* kSelectArtifact =
      "SELECT app, digest, manifest, size, created_at, signature, signed_by, sbom, provenance, "
      "provenance_signed_by FROM artifacts";
  static constexpr const char* kSelectKey =
      "SELECT app, id, name, pem, active, created_at, deactivated_at FROM public_keys";

  static ArtifactRecord ReadArtifact(sqlite::Statement& st) {
    return ArtifactRecord{st.Text(1), st.Text(0), st.Text(2), st.Int(3),  st.Text(4),
                          st.Text(5), st.Text(6), st.Text(7), st.Text(8), st.Text(9)};
  }

  static PublicKey ReadKey(sqlite::Statement& st) {
    return PublicKey{st.Text(1),     st.Text(0), st.Text(2), st.Text(3),
                     st.Int(4) != 0, st.Text(5), st.Text(6)};
  }

  static constexpr const char* kSelectDeployment =
      "SELECT id, app, artifact, status, reason, url, phases, created_at, updated_at "
      "FROM deployments";

  static Deployment ReadDeployment(sqlite::Statement& st) {
    Deployment d;
    d.id = st.Text(0);
    d.app = st.Text(1);
    d.artifact = st.Text(2);
    d.status = st.Text(3);
    d.reason = st.Text(4);
    d.url = st.Text(5);
    d.phases = PhasesFromJson(st.Text(6));
    d.created_at = st.Text(7);
    d.updated_at = st.Text(8);
    return d;
  }

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Unavailable("cannot open SQLite database " + path + ": " + msg);
  }
  auto store = std::make_unique<SqliteStore>(db);
  AETHER_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace aether
