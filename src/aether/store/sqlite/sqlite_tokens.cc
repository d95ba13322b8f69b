// SQLite implementation of MetadataStore: tokens and the audit trail.
#include <sqlite3.h>

#include "aether/store/paging.h"
#include "aether/store/sqlite/sqlite_store_impl.h"
#include "aether/store/sqlite/statement.h"
#include "aether/store/token_columns.h"

namespace aether::sqlite {
namespace {

constexpr const char* kTokenColumns =
    "id, name, hash, role, created_at, apps, expires_at, last_used_at, revoked_at, "
    "previous_hash, previous_until";

TokenRecord ReadToken(const Statement& st) {
  return TokenRecord{st.Text(0), st.Text(1), st.Text(2),
                     st.Text(3), st.Text(4), store_tokens::SplitApps(st.Text(5)),
                     st.Text(6), st.Text(7), st.Text(8),
                     st.Text(9), st.Text(10)};
}

Status TokenNotFound(std::string_view id) {
  return NotFound("token '" + std::string(id) + "' not found");
}

}  // namespace

Status SqliteStore::PutToken(const TokenRecord& t) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO tokens(hash, id, name, role, created_at, apps, expires_at) "
               "VALUES(?,?,?,?,?,?,?) ON CONFLICT(hash) DO UPDATE SET name=excluded.name, "
               "role=excluded.role, apps=excluded.apps, expires_at=excluded.expires_at");
  st.Bind(t.hash, t.id, t.name, t.role, t.created_at, store_tokens::JoinApps(t.apps), t.expires_at);
  Status s = st.Run();
  if (s.code() == ErrorCode::kConflict) return AlreadyExists("token id '" + t.id + "' is taken");
  return s;
}

Result<TokenRecord> SqliteStore::FindTokenByHash(std::string_view hash) {
  std::lock_guard lock(mu_);
  Statement st(db_, std::string("SELECT ") + kTokenColumns +
                        " FROM tokens WHERE hash=? OR (previous_hash=? AND previous_hash<>'')");
  st.Bind(hash, hash);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("unknown token");
  return ReadToken(st);
}

Result<TokenRecord> SqliteStore::GetToken(std::string_view id) {
  std::lock_guard lock(mu_);
  Statement st(db_, std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE id=?");
  st.Bind(id);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return TokenNotFound(id);
  return ReadToken(st);
}

Result<std::vector<TokenRecord>> SqliteStore::ListTokens() {
  std::lock_guard lock(mu_);
  Statement st(db_,
               std::string("SELECT ") + kTokenColumns + " FROM tokens ORDER BY created_at, id");
  std::vector<TokenRecord> out;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadToken(st));
  }
  return out;
}

Status SqliteStore::UpdateToken(const TokenRecord& t, std::string_view expected_hash) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "UPDATE tokens SET hash=?, previous_hash=?, previous_until=?, revoked_at=?, "
               "expires_at=? WHERE id=? AND hash=?");
  st.Bind(t.hash, t.previous_hash, t.previous_until, t.revoked_at, t.expires_at, t.id,
          expected_hash);
  AETHER_RETURN_IF_ERROR(st.Run());
  if (sqlite3_changes(db_) > 0) return Status::Ok();
  Statement exists(db_, "SELECT 1 FROM tokens WHERE id=?");
  exists.Bind(t.id);
  AETHER_ASSIGN_OR_RETURN(bool found, exists.Step());
  if (!found) return TokenNotFound(t.id);
  return {ErrorCode::kConflict, "token '" + t.id + "' was changed concurrently; try again"};
}

Status SqliteStore::TouchToken(std::string_view id, std::string_view when) {
  std::lock_guard lock(mu_);
  Statement st(db_, "UPDATE tokens SET last_used_at=? WHERE id=?");
  st.Bind(when, id);
  return st.Run();
}

Result<long long> SqliteStore::CountTokens(std::string_view role) {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT COUNT(*) FROM tokens WHERE role=? AND revoked_at=''");
  st.Bind(role);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

Status SqliteStore::AppendAudit(const AuditEvent& e) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO audit_events(time, token_id, token_name, action, target, status, "
               "remote_addr) VALUES(?,?,?,?,?,?,?)");
  st.Bind(e.time, e.token_id, e.token_name, e.action, e.target, static_cast<long long>(e.status),
          e.remote_addr);
  return st.Run();
}

Result<Page<AuditEvent>> SqliteStore::ListAudit(const PageRequest& request) {
  std::lock_guard lock(mu_);
  AETHER_ASSIGN_OR_RETURN(long long before, paging::NumericAfter(request, paging::kNoUpperBound));
  int limit = paging::Limit(request);
  Statement st(db_,
               "SELECT seq, time, token_id, token_name, action, target, status, remote_addr "
               "FROM audit_events WHERE seq<? ORDER BY seq DESC LIMIT ?");
  st.Bind(before, static_cast<long long>(limit) + 1);
  Page<AuditEvent> page;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    page.items.push_back(AuditEvent{st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4),
                                    st.Text(5), static_cast<int>(st.Int(6)), st.Text(7)});
  }
  if (paging::Trim(page.items, limit)) page.next = std::to_string(page.items.back().seq);
  return page;
}

Result<long long> SqliteStore::PurgeAudit(std::string_view before) {
  std::lock_guard lock(mu_);
  Statement st(db_, "DELETE FROM audit_events WHERE time < ?");
  st.Bind(before);
  AETHER_RETURN_IF_ERROR(st.Run());
  return static_cast<long long>(sqlite3_changes(db_));
}

}  // namespace aether::sqlite
