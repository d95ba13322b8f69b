// libpq connections, prepared statements, error mapping and the connection pool.
#include "aether/store/postgres/pool.h"

#include <algorithm>
#include <cstdlib>

#include "aether/core/log.h"

namespace aether::pg {
namespace {

// The first line of a libpq message, without the "ERROR:  " / "FATAL:  " prefix.
std::string FirstLine(std::string_view text) {
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  }
  text = text.substr(0, text.find('\n'));
  return std::string(text);
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

Param Bytes(std::string_view raw) {
  Param p(raw);
  p.binary = true;
  return p;
}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

Rows::~Rows() { PQclear(result_); }

int Rows::size() const { return PQntuples(result_); }

std::string Rows::Text(int row, int col) const {
  return {PQgetvalue(result_, row, col), static_cast<size_t>(PQgetlength(result_, row, col))};
}

long long Rows::Int(int row, int col) const {
  return std::strtoll(PQgetvalue(result_, row, col), nullptr, 10);
}

bool Rows::Bool(int row, int col) const { return PQgetvalue(result_, row, col)[0] == 't'; }

std::string Rows::Bytes(int row, int col) const {
  size_t length = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, col)), &length);
  if (raw == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(raw), length);
  PQfreemem(raw);
  return out;
}

long long Rows::affected() const { return std::strtoll(PQcmdTuples(result_), nullptr, 10); }

Result<std::unique_ptr<Conn>> Conn::Connect(const std::string& url, int timeout_seconds) {
  std::string timeout = std::to_string(timeout_seconds);
  // The URL is expanded first; the keywords after it override what it says.
  const char* keys[] = {"dbname", "connect_timeout", "fallback_application_name", "client_encoding",
                        nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), "aetherd", "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Unavailable("database unavailable: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = FirstLine(PQerrorMessage(conn));
    PQfinish(conn);
    return Unavailable("database unavailable: " + message);
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<Conn>(new Conn(conn));
}

Conn::~Conn() { PQfinish(conn_); }

Result<Rows> Conn::Query(const std::string& sql, const std::vector<Param>& params) {
  if (broken_) return Unavailable("database unavailable: connection lost");
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    AETHER_RETURN_IF_ERROR(Check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)).status());
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Param& p : params) {
    values.push_back(p.value.c_str());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  return Check(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                              values.data(), lengths.data(), formats.data(), /*resultFormat=*/0));
}

Status Conn::Exec(const std::string& sql) {
  if (broken_) return Unavailable("database unavailable: connection lost");
  return Check(PQexec(conn_, sql.c_str())).status();
}

bool Conn::Reusable() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Conn::Healthy() {
  if (!Reusable()) return false;
  // The first read takes a goodbye message the server may have sent, the second sees EOF.
  for (int i = 0; i < 2; ++i) {
    if (PQconsumeInput(conn_) == 0) return false;
  }
  return Reusable();
}

Result<Rows> Conn::Check(PGresult* result) {
  Rows rows(result);
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  last_error_ = primary != nullptr ? primary : FirstLine(PQerrorMessage(conn_));
  if (PQstatus(conn_) != CONNECTION_OK || sqlstate.empty() || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P")) {
    broken_ = true;
    return Unavailable("database unavailable: " + last_error_);
  }
  if (sqlstate == "23505") return AlreadyExists("duplicate key");
  if (sqlstate == "23503") return NotFound("referenced record not found");
  if (sqlstate.starts_with("22")) {  // data exception: e.g. bytes that are not UTF-8
    return InvalidArgument("value not accepted by the database (SQLSTATE " + sqlstate + ")");
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return Unavailable("database busy (SQLSTATE " + sqlstate + "); retry");
  }
  if (sqlstate == "57014") return Status(ErrorCode::kTimeout, "database statement timed out");
  LogLine("postgres: SQLSTATE " + sqlstate + ": " + last_error_);
  return Internal("database error (SQLSTATE " + sqlstate + ")");
}

Pool::Pool(std::string url, int size, std::chrono::milliseconds connect_timeout)
    : url_(std::move(url)),
      size_(size < 1 ? 1 : size),
      // libpq counts whole seconds (and treats 1 as 2).
      timeout_seconds_(
          static_cast<int>(std::max<long long>(1, (connect_timeout.count() + 999) / 1000))) {}

Pool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

Result<Pool::Lease> Pool::Acquire() {
  std::unique_ptr<Conn> conn;
  {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot while connecting
    }
  }
  if (conn != nullptr && conn->Healthy()) return Lease(this, std::move(conn));
  conn.reset();  // one the server dropped: reconnect in its slot
  auto fresh = Conn::Connect(url_, timeout_seconds_);
  if (!fresh.ok()) {
    std::lock_guard lock(mu_);
    --open_;
    freed_.notify_one();
    return fresh.status();
  }
  return Lease(this, std::move(fresh).value());
}

void Pool::Release(std::unique_ptr<Conn> conn) {
  bool keep = conn->Reusable();  // the socket is read again when it is next acquired
  if (!keep) conn.reset();
  std::lock_guard lock(mu_);
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  freed_.notify_one();
}

Status Pool::Transaction(const std::function<Status(Conn&)>& body) {
  AETHER_ASSIGN_OR_RETURN(Lease conn, Acquire());
  AETHER_RETURN_IF_ERROR(conn->Exec("BEGIN"));
  Status status = body(*conn);
  if (status.ok()) return conn->Exec("COMMIT");
  // A failed ROLLBACK leaves the Conn outside the idle state, so the Lease drops it.
  (void)conn->Exec("ROLLBACK");
  return status;
}

}  // namespace aether::pg
