// Statement: RAII wrapper over a prepared sqlite3_stmt with variadic binding, plus Exec for
// scripts and Transaction. Used only inside store/sqlite/; callers hold the store's mutex.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::sqlite {

// Runs one or more statements; a busy database is kUnavailable, other errors kInternal.
Status Exec(sqlite3* db, const std::string& sql);

// Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back when `body` or COMMIT fails.
Status Transaction(sqlite3* db, const std::function<Status()>& body);

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  template <typename... Args>
  void Bind(const Args&... args) {
    int i = 1;
    (BindOne(i++, args), ...);
  }

  // Advances; true when a row is available. Constraint violations are kConflict.
  Result<bool> Step();
  // Steps to completion (for INSERT/UPDATE/DELETE).
  Status Run();

  std::string Text(int col) const;
  long long Int(int col) const;

 private:
  void BindOne(int i, std::string_view v);
  void BindOne(int i, const std::string& v) { BindOne(i, std::string_view(v)); }
  void BindOne(int i, const char* v) { BindOne(i, std::string_view(v)); }
  void BindOne(int i, long long v);

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status prepare_status_;
};

}  // namespace aether::sqlite
