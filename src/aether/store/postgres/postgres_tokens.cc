// PostgreSQL MetadataStore, part 3: tokens and the audit trail.
#include "aether/store/paging.h"
#include "aether/store/postgres/postgres_internal.h"
#include "aether/store/token_columns.h"

namespace aether {
namespace {

constexpr const char* kTokenColumns =
    "id, name, hash, role, created_at, apps, expires_at, last_used_at, revoked_at, "
    "previous_hash, previous_until";

TokenRecord ReadToken(const pg::Rows& r, int i) {
  return TokenRecord{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2),
                     r.Text(i, 3), r.Text(i, 4), store_tokens::SplitApps(r.Text(i, 5)),
                     r.Text(i, 6), r.Text(i, 7), r.Text(i, 8),
                     r.Text(i, 9), r.Text(i, 10)};
}

AuditEvent ReadAudit(const pg::Rows& r, int i) {
  return AuditEvent{r.Int(i, 0),
                    r.Text(i, 1),
                    r.Text(i, 2),
                    r.Text(i, 3),
                    r.Text(i, 4),
                    r.Text(i, 5),
                    static_cast<int>(r.Int(i, 6)),
                    r.Text(i, 7)};
}

Status TokenNotFound(std::string_view id) {
  return NotFound("token '" + std::string(id) + "' not found");
}

}  // namespace

Status PostgresStore::PutToken(const TokenRecord& t) {
  Status s = Run("INSERT INTO tokens(hash, id, name, role, created_at, apps, expires_at) "
                 "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO UPDATE SET "
                 "name=EXCLUDED.name, role=EXCLUDED.role, apps=EXCLUDED.apps, "
                 "expires_at=EXCLUDED.expires_at",
                 {t.hash, t.id, t.name, t.role, t.created_at, store_tokens::JoinApps(t.apps),
                  t.expires_at})
                 .status();
  if (s.code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists("token id '" + t.id + "' is taken");
  }
  return s;
}

Result<TokenRecord> PostgresStore::FindTokenByHash(std::string_view hash) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows,
                          Run(std::string("SELECT ") + kTokenColumns +
                                  " FROM tokens WHERE hash=$1 OR (previous_hash=$1 AND "
                                  "previous_hash<>'')",
                              {hash}));
  if (rows.size() == 0) return NotFound("unknown token");
  return ReadToken(rows, 0);
}

Result<TokenRecord> PostgresStore::GetToken(std::string_view id) {
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      Run(std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE id=$1", {id}));
  if (rows.size() == 0) return TokenNotFound(id);
  return ReadToken(rows, 0);
}

Result<std::vector<TokenRecord>> PostgresStore::ListTokens() {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, Run(std::string("SELECT ") + kTokenColumns +
                                             " FROM tokens ORDER BY created_at, id"));
  return ToVector<TokenRecord>(rows, ReadToken);
}

Status PostgresStore::UpdateToken(const TokenRecord& t, std::string_view expected_hash) {
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      Run("UPDATE tokens SET hash=$1, previous_hash=$2, previous_until=$3, revoked_at=$4, "
          "expires_at=$5 WHERE id=$6 AND hash=$7",
          {t.hash, t.previous_hash, t.previous_until, t.revoked_at, t.expires_at, t.id,
           expected_hash}));
  if (rows.affected() > 0) return Status::Ok();
  AETHER_ASSIGN_OR_RETURN(pg::Rows exists, Run("SELECT 1 FROM tokens WHERE id=$1", {t.id}));
  if (exists.size() == 0) return TokenNotFound(t.id);
  return {ErrorCode::kConflict, "token '" + t.id + "' was changed concurrently; try again"};
}

Status PostgresStore::TouchToken(std::string_view id, std::string_view when) {
  return Run("UPDATE tokens SET last_used_at=$2 WHERE id=$1", {id, when}).status();
}

Result<long long> PostgresStore::CountTokens(std::string_view role) {
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows, Run("SELECT COUNT(*) FROM tokens WHERE role=$1 AND revoked_at=''", {role}));
  return rows.Int(0, 0);
}

Status PostgresStore::AppendAudit(const AuditEvent& e) {
  return Run("INSERT INTO audit_events(time, token_id, token_name, action, target, status, "
             "remote_addr) VALUES($1, $2, $3, $4, $5, $6, $7)",
             {e.time, e.token_id, e.token_name, e.action, e.target, e.status, e.remote_addr})
      .status();
}

Result<Page<AuditEvent>> PostgresStore::ListAudit(const PageRequest& request) {
  AETHER_ASSIGN_OR_RETURN(long long before, paging::NumericAfter(request, paging::kNoUpperBound));
  int limit = paging::Limit(request);
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      Run("SELECT seq, time, token_id, token_name, action, target, status, remote_addr "
          "FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
          {before, limit + 1}));
  return ToPage<AuditEvent>(rows, limit, 0, ReadAudit);
}

Result<long long> PostgresStore::PurgeAudit(std::string_view before) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, Run("DELETE FROM audit_events WHERE time < $1", {before}));
  return rows.affected();
}

}  // namespace aether
