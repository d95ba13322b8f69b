// PostgreSQL MetadataStore, part 2: releases (deployments) and their events,
// idempotency records and stats.

#include "aether/store/json_columns.h"
#include "aether/store/postgres/postgres_internal.h"

namespace aether {
namespace {

constexpr const char* kDeploymentColumns =
    "id, app, version, artifact, description, config, instances, status, reason, url, phases, "
    "created_at, updated_at, strategy";

using store_json::ConfigFromJson;
using store_json::ConfigToJson;
using store_json::PhasesFromJson;
using store_json::PhasesToJson;

Deployment ReadDeployment(const pg::Rows& r, int i) {
  Deployment d;
  d.id = r.Text(i, 0);
  d.app = r.Text(i, 1);
  d.version = r.Int(i, 2);
  d.artifact = r.Text(i, 3);
  d.description = r.Text(i, 4);
  d.config = ConfigFromJson(r.Text(i, 5));
  d.instances = static_cast<int>(r.Int(i, 6));
  d.status = r.Text(i, 7);
  d.reason = r.Text(i, 8);
  d.url = r.Text(i, 9);
  d.phases = PhasesFromJson(r.Text(i, 10));
  d.created_at = r.Text(i, 11);
  d.updated_at = r.Text(i, 12);
  d.strategy = r.Text(i, 13);
  return d;
}

DeploymentEvent ReadEvent(const pg::Rows& r, int i) {
  return {r.Int(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Text(i, 4)};
}

IdempotencyRecord ReadIdempotency(const pg::Rows& r, int i) {
  return {r.Text(i, 0), r.Text(i, 1), static_cast<int>(r.Int(i, 2)), r.Bytes(i, 3), r.Text(i, 4)};
}

std::string SelectDeployments(const char* where) {
  return std::string("SELECT ") + kDeploymentColumns + " FROM deployments " + where;
}

}  // namespace

using store_errors::AppNotFound;
using store_errors::DeploymentNotFound;
using store_errors::IdempotencyNotFound;

Result<Deployment> PostgresStore::CreateDeployment(const Deployment& d) {
  Deployment out = d;
  AETHER_ASSIGN_OR_RETURN(std::string config, ConfigToJson(d.config));
  Status s = pool_.Transaction([&](pg::Conn& conn) -> Status {
    // The app row lock serialises this app's releases; UNIQUE(app, version) backs it up.
    AETHER_ASSIGN_OR_RETURN(
        pg::Rows app, conn.Query("SELECT 1 FROM apps WHERE name=$1 FOR NO KEY UPDATE", {d.app}));
    if (app.size() == 0) return AppNotFound(d.app);
    AETHER_ASSIGN_OR_RETURN(
        pg::Rows next,
        conn.Query("SELECT COALESCE(MAX(version), 0) + 1 FROM deployments WHERE app=$1", {d.app}));
    out.version = next.Int(0, 0);
    if (d.version > 0 && d.version != out.version) {
      return store_errors::StaleRelease(d.app, d.version);
    }
    return conn
        .Query(std::string("INSERT INTO deployments(") + kDeploymentColumns +
                   ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
               {d.id, d.app, out.version, d.artifact, d.description, config, d.instances, d.status,
                d.reason, d.url, PhasesToJson(d.phases), d.created_at, d.updated_at, d.strategy})
        .status();
  });
  if (s.code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists("deployment '" + d.id + "' already exists");
  }
  if (!s.ok()) return s;
  return out;
}

Status PostgresStore::UpdateDeployment(const Deployment& d) {
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows, Run("UPDATE deployments SET status=$2, reason=$3, url=$4, phases=$5, "
                         "updated_at=$6 WHERE id=$1",
                         {d.id, d.status, d.reason, d.url, PhasesToJson(d.phases), d.updated_at}));
  return rows.affected() > 0 ? Status::Ok() : DeploymentNotFound(d.id);
}

Result<Deployment> PostgresStore::GetDeployment(std::string_view id) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, Run(SelectDeployments("WHERE id=$1"), {id}));
  if (rows.size() == 0) return DeploymentNotFound(id);
  return ReadDeployment(rows, 0);
}

Result<Deployment> PostgresStore::GetRelease(std::string_view app, long long version) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows, conn->Query(SelectDeployments("WHERE app=$1 AND version=$2"), {app, version}));
  if (rows.size() > 0) return ReadDeployment(rows, 0);
  AETHER_RETURN_IF_ERROR(RequireApp(*conn, app));
  return store_errors::ReleaseNotFound(app, version);
}

Result<Page<Deployment>> PostgresStore::ListDeployments(std::string_view app,
                                                        const PageRequest& page) {
  int limit = paging::Limit(page);
  AETHER_ASSIGN_OR_RETURN(long long after, paging::NumericAfter(page, paging::kNoUpperBound));
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_RETURN_IF_ERROR(RequireApp(*conn, app));
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn->Query(SelectDeployments("WHERE app=$1 AND version < $2 ORDER BY version DESC LIMIT $3"),
                  {app, after, limit + 1}));
  return ToPage<Deployment>(rows, limit, 2, ReadDeployment);
}

Result<std::vector<Deployment>> PostgresStore::ListDeploymentsInStatus(std::string_view status) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows,
                          Run(SelectDeployments("WHERE status=$1 ORDER BY seq"), {status}));
  return ToVector<Deployment>(rows, ReadDeployment);
}

Status PostgresStore::AppendEvent(const DeploymentEvent& e) {
  Status s = Run("INSERT INTO deployment_events(deployment, time, type, message) "
                 "VALUES($1, $2, $3, $4)",
                 {e.deployment, e.time, e.type, e.message})
                 .status();
  if (s.code() == ErrorCode::kNotFound) return DeploymentNotFound(e.deployment);  // foreign key
  return s;
}

Result<Page<DeploymentEvent>> PostgresStore::ListEvents(std::string_view deployment,
                                                        const PageRequest& page) {
  int limit = paging::Limit(page);
  AETHER_ASSIGN_OR_RETURN(long long after, paging::NumericAfter(page, 0));
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_ASSIGN_OR_RETURN(pg::Rows exists,
                          conn->Query("SELECT 1 FROM deployments WHERE id=$1", {deployment}));
  if (exists.size() == 0) return DeploymentNotFound(deployment);
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn->Query("SELECT seq, deployment, time, type, message FROM deployment_events "
                  "WHERE deployment=$1 AND seq > $2 ORDER BY seq LIMIT $3",
                  {deployment, after, limit + 1}));
  return ToPage<DeploymentEvent>(rows, limit, 0, ReadEvent);
}

Status PostgresStore::InsertIdempotency(const IdempotencyRecord& r) {
  Status s = Run("INSERT INTO idempotency(key, request_hash, status, response, created_at) "
                 "VALUES($1, $2, $3, $4, $5)",
                 {r.key, r.request_hash, r.status, pg::Bytes(r.response), r.created_at})
                 .status();
  if (s.code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists("idempotency key '" + r.key + "' is already in use");
  }
  return s;
}

Result<IdempotencyRecord> PostgresStore::GetIdempotency(std::string_view key) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, Run("SELECT key, request_hash, status, response, "
                                             "created_at FROM idempotency WHERE key=$1",
                                             {key}));
  if (rows.size() == 0) return IdempotencyNotFound(key);
  return ReadIdempotency(rows, 0);
}

Status PostgresStore::CompleteIdempotency(std::string_view key, int status,
                                          std::string_view response) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows,
                          Run("UPDATE idempotency SET status=$2, response=$3 WHERE key=$1",
                              {key, status, pg::Bytes(response)}));
  if (rows.affected() == 0) {
    return IdempotencyNotFound(key);
  }
  return Status::Ok();
}

Status PostgresStore::DeleteIdempotency(std::string_view key) {
  return Run("DELETE FROM idempotency WHERE key=$1", {key}).status();
}

Result<long long> PostgresStore::PurgeIdempotency(std::string_view before) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows,
                          Run("DELETE FROM idempotency WHERE created_at < $1", {before}));
  return rows.affected();
}

Result<StoreStats> PostgresStore::Stats() {
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      Run("SELECT (SELECT COUNT(*) FROM apps), (SELECT COUNT(*) FROM artifacts), "
          "(SELECT COALESCE(SUM(size), 0) FROM artifacts), (SELECT COUNT(*) FROM apps a JOIN "
          "deployments d ON d.id = a.current_deployment WHERE d.status = 'running')"));
  return StoreStats{rows.Int(0, 0), rows.Int(0, 1), rows.Int(0, 2), rows.Int(0, 3)};
}

}  // namespace aether
