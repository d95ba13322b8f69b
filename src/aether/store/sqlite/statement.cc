// Prepared-statement helpers for the SQLite store.
#include "aether/store/sqlite/statement.h"

namespace aether::sqlite {

Status Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Unavailable("sqlite busy: " + msg);
  return Internal("sqlite: " + msg);
}

Status Transaction(sqlite3* db, const std::function<Status()>& body) {
  AETHER_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) s = Exec(db, "COMMIT");
  if (!s.ok()) static_cast<void>(Exec(db, "ROLLBACK"));
  return s;
}

Statement::Statement(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
    prepare_status_ = Internal(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::BindOne(int i, std::string_view v) {
  if (stmt_ != nullptr) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
}

void Statement::BindOne(int i, long long v) {
  if (stmt_ != nullptr) sqlite3_bind_int64(stmt_, i, v);
}

Result<bool> Statement::Step() {
  if (!prepare_status_.ok()) return prepare_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string msg = sqlite3_errmsg(db_);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status(ErrorCode::kConflict, "sqlite: " + msg);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Unavailable("sqlite busy: " + msg);
  return Internal("sqlite: " + msg);
}

Status Statement::Run() {
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Statement::Text(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<size_t>(n))
                      : std::string();
}

long long Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

}  // namespace aether::sqlite
