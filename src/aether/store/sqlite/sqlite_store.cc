// SQLite implementation of MetadataStore: opening (pragmas, migrations), apps, public keys,
// idempotency keys and stats. Artifacts, releases and tokens are in sibling files.
#include "aether/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include "aether/store/paging.h"
#include "aether/store/sqlite/sqlite_migrations.h"
#include "aether/store/sqlite/sqlite_rows.h"
#include "aether/store/sqlite/sqlite_store_impl.h"
#include "aether/store/sqlite/statement.h"
#include "aether/store/store_errors.h"

namespace aether {
namespace sqlite {

Status SqliteStore::Ping() {
  std::lock_guard lock(mu_);
  return Exec(db_, "SELECT 1");
}

Status SqliteStore::RequireApp(std::string_view app) {
  Statement exists(db_, "SELECT 1 FROM apps WHERE name=?");
  exists.Bind(app);
  AETHER_ASSIGN_OR_RETURN(bool found, exists.Step());
  return found ? Status::Ok() : store_errors::AppNotFound(app);
}

Status SqliteStore::CreateApp(const App& app) {
  std::lock_guard lock(mu_);
  Statement st(db_, "INSERT INTO apps(name, created_at, current_deployment) VALUES(?,?,?)");
  st.Bind(app.name, app.created_at, app.current_deployment);
  Status s = st.Run();
  if (s.code() == ErrorCode::kConflict) {
    return AlreadyExists("app '" + app.name + "' already exists");
  }
  return s;
}

Result<App> SqliteStore::GetApp(std::string_view name) {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT name, created_at, current_deployment FROM apps WHERE name=?");
  st.Bind(name);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return store_errors::AppNotFound(name);
  return App{st.Text(0), st.Text(1), st.Text(2)};
}

Result<Page<App>> SqliteStore::ListApps(const PageRequest& request) {
  std::lock_guard lock(mu_);
  int limit = paging::Limit(request);
  Statement st(db_,
               "SELECT name, created_at, current_deployment FROM apps WHERE name > ? "
               "ORDER BY name LIMIT ?");
  st.Bind(request.after, static_cast<long long>(limit) + 1);
  Page<App> page;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    page.items.push_back(App{st.Text(0), st.Text(1), st.Text(2)});
  }
  if (paging::Trim(page.items, limit)) page.next = page.items.back().name;
  return page;
}

Status SqliteStore::DeleteApp(std::string_view name) {
  std::lock_guard lock(mu_);
  // Foreign keys cascade to artifacts (and their layers), keys, deployments and events.
  Statement st(db_, "DELETE FROM apps WHERE name=?");
  st.Bind(name);
  AETHER_RETURN_IF_ERROR(st.Run());
  if (sqlite3_changes(db_) == 0) return store_errors::AppNotFound(name);
  return Status::Ok();
}

Status SqliteStore::SetCurrentDeployment(std::string_view app, std::string_view id) {
  std::lock_guard lock(mu_);
  Statement st(db_, "UPDATE apps SET current_deployment=? WHERE name=?");
  st.Bind(id, app);
  AETHER_RETURN_IF_ERROR(st.Run());
  if (sqlite3_changes(db_) == 0) return store_errors::AppNotFound(app);
  return Status::Ok();
}

Status SqliteStore::PutPublicKey(const PublicKey& k) {
  std::lock_guard lock(mu_);
  AETHER_RETURN_IF_ERROR(RequireApp(k.app));
  Statement st(db_,
               std::string("INSERT INTO public_keys(") + kKeyColumns + ") VALUES(?,?,?,?,?,?,?)");
  st.Bind(k.app, k.id, k.name, k.pem, static_cast<long long>(k.active ? 1 : 0), k.created_at,
          k.deactivated_at);
  Status s = st.Run();
  if (s.code() == ErrorCode::kConflict) {
    return AlreadyExists("key " + k.id + " is already registered for app '" + k.app + "'");
  }
  return s;
}

Result<std::vector<PublicKey>> SqliteStore::ListPublicKeys(std::string_view app) {
  std::lock_guard lock(mu_);
  AETHER_RETURN_IF_ERROR(RequireApp(app));
  Statement st(
      db_, std::string("SELECT ") + kKeyColumns + " FROM public_keys WHERE app=? ORDER BY rowid");
  st.Bind(app);
  std::vector<PublicKey> out;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadKey(st));
  }
  return out;
}

Result<PublicKey> SqliteStore::DeactivatePublicKey(std::string_view app, std::string_view id,
                                                   std::string_view when) {
  std::lock_guard lock(mu_);
  Statement update(db_,
                   "UPDATE public_keys SET active=0, deactivated_at=? "
                   "WHERE app=? AND id=? AND active=1");
  update.Bind(when, app, id);
  AETHER_RETURN_IF_ERROR(update.Run());
  Statement st(db_,
               std::string("SELECT ") + kKeyColumns + " FROM public_keys WHERE app=? AND id=?");
  st.Bind(app, id);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return store_errors::KeyNotFound(app, id);
  }
  return ReadKey(st);
}

Status SqliteStore::InsertIdempotency(const IdempotencyRecord& r) {
  std::lock_guard lock(mu_);
  Statement st(
      db_, std::string("INSERT INTO idempotency(") + kIdempotencyColumns + ") VALUES(?,?,?,?,?)");
  st.Bind(r.key, r.request_hash, static_cast<long long>(r.status), r.response, r.created_at);
  Status s = st.Run();
  if (s.code() == ErrorCode::kConflict) {
    return AlreadyExists("idempotency key '" + r.key + "' is taken");
  }
  return s;
}

Result<IdempotencyRecord> SqliteStore::GetIdempotency(std::string_view key) {
  std::lock_guard lock(mu_);
  Statement st(db_, std::string("SELECT ") + kIdempotencyColumns + " FROM idempotency WHERE key=?");
  st.Bind(key);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return store_errors::IdempotencyNotFound(key);
  return ReadIdempotency(st);
}

Status SqliteStore::CompleteIdempotency(std::string_view key, int status,
                                        std::string_view response) {
  std::lock_guard lock(mu_);
  Statement st(db_, "UPDATE idempotency SET status=?, response=? WHERE key=?");
  st.Bind(static_cast<long long>(status), response, key);
  AETHER_RETURN_IF_ERROR(st.Run());
  if (sqlite3_changes(db_) == 0) return store_errors::IdempotencyNotFound(key);
  return Status::Ok();
}

Status SqliteStore::DeleteIdempotency(std::string_view key) {
  std::lock_guard lock(mu_);
  Statement st(db_, "DELETE FROM idempotency WHERE key=?");
  st.Bind(key);
  return st.Run();
}

Result<long long> SqliteStore::PurgeIdempotency(std::string_view before) {
  std::lock_guard lock(mu_);
  Statement st(db_, "DELETE FROM idempotency WHERE created_at < ?");
  st.Bind(before);
  AETHER_RETURN_IF_ERROR(st.Run());
  return static_cast<long long>(sqlite3_changes(db_));
}

Result<StoreStats> SqliteStore::Stats() {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT (SELECT COUNT(*) FROM apps), (SELECT COUNT(*) FROM artifacts), "
               "(SELECT COALESCE(SUM(size), 0) FROM artifacts), "
               "(SELECT COUNT(*) FROM apps JOIN deployments ON deployments.id = "
               "apps.current_deployment WHERE deployments.status = 'running')");
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Internal("sqlite: stats query returned no row");
  return StoreStats{st.Int(0), st.Int(1), st.Int(2), st.Int(3)};
}

}  // namespace sqlite

Result<std::unique_ptr<MetadataStore>> OpenSqliteStoreWithMigrations(
    const std::string& path, std::span<const Migration> migrations) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Unavailable("cannot open SQLite database " + path + ": " + msg);
  }
  auto store = std::make_unique<sqlite::SqliteStore>(db);  // owns db from here on
  AETHER_RETURN_IF_ERROR(sqlite::Exec(db,
                                      "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; "
                                      "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"));
  AETHER_RETURN_IF_ERROR(sqlite::Migrate(db, migrations));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path) {
  return OpenSqliteStoreWithMigrations(path, sqlite::Migrations());
}

}  // namespace aether
