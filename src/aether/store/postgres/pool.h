// pg::Conn and pg::Pool: the libpq layer under the PostgreSQL store. A Conn is one connection
// with the statements it has prepared (lazily, keyed by SQL text); the Pool connects lazily,
// lends each Conn to one caller at a time (Lease) and drops broken ones, so the next call
// reconnects. Pool is thread-safe; a Conn is used by one thread at a time. Internal header.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aether/core/status.h"

namespace aether::pg {

// One statement parameter, sent as text, or as raw bytes for a bytea column (Bytes()).
struct Param {
  Param(std::string_view s) : value(s) {}           // NOLINT(google-explicit-constructor)
  Param(const std::string& s) : value(s) {}         // NOLINT(google-explicit-constructor)
  Param(const char* s) : value(s) {}                // NOLINT(google-explicit-constructor)
  Param(long long v) : value(std::to_string(v)) {}  // NOLINT(google-explicit-constructor)
  Param(int v) : value(std::to_string(v)) {}        // NOLINT(google-explicit-constructor)
  Param(bool v) : value(v ? "true" : "false") {}    // NOLINT(google-explicit-constructor)
  std::string value;
  bool binary = false;
};

// A bytea parameter: the bytes go as they are (binary format), NULs included.
Param Bytes(std::string_view raw);

// The rows of one statement's result (text format). Owns the PGresult; move-only.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();

  int size() const;
  std::string Text(int row, int col) const;
  long long Int(int row, int col) const;
  bool Bool(int row, int col) const;
  std::string Bytes(int row, int col) const;  // a bytea column, decoded
  long long affected() const;                 // rows an INSERT/UPDATE/DELETE touched

 private:
  PGresult* result_;
};

// One libpq connection. Errors map to Status: a lost connection (or SQLSTATE class 08/57P)
// is kUnavailable and marks the Conn broken; 23505 is kAlreadyExists, 23503 kNotFound (the
// store rewrites both into its own messages), class 22 kInvalidArgument; anything else is
// kInternal with the SQLSTATE only (the server's message goes to the log, never to clients).
class Conn {
 public:
  static Result<std::unique_ptr<Conn>> Connect(const std::string& url, int timeout_seconds);
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn();

  // Runs `sql` ($1, $2… placeholders) as a statement prepared on first use on this Conn.
  Result<Rows> Query(const std::string& sql, const std::vector<Param>& params = {});
  // Runs statements without parameters (BEGIN, COMMIT, a migration's script).
  Status Exec(const std::string& sql);
  // Still connected and outside a transaction; reads what the server sent meanwhile, so a
  // connection the server closed (restart, failover) is noticed before it is reused.
  bool Healthy();
  // The same flags without reading the socket (when a lease ends).
  bool Reusable() const;
  // The server's message for the last failed statement, for logs and startup errors only.
  const std::string& last_error() const { return last_error_; }

 private:
  explicit Conn(PGconn* conn) : conn_(conn) {}
  Result<Rows> Check(PGresult* result);

  PGconn* conn_;
  std::string last_error_;
  bool broken_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text → statement name
};

class Pool {
 public:
  // `url` is a libpq URL or key=value string; at most `size` connections are open at once.
  Pool(std::string url, int size, std::chrono::milliseconds connect_timeout);

  // A borrowed Conn; returned to the pool when destroyed (or dropped, if it broke).
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Conn* operator->() const { return conn_.get(); }
    Conn& operator*() const { return *conn_; }

   private:
    Pool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  // Waits for a free connection, connecting a new one if needed; kUnavailable (within the
  // connect timeout) when the server cannot be reached.
  Result<Lease> Acquire();
  // Runs `body` between BEGIN and COMMIT on one connection; ROLLBACK when it fails.
  Status Transaction(const std::function<Status(Conn&)>& body);

 private:
  void Release(std::unique_ptr<Conn> conn);

  const std::string url_;
  const int size_;
  const int timeout_seconds_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_ = 0;  // idle + lent + being connected
};

}  // namespace aether::pg
