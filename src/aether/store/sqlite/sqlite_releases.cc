// SQLite MetadataStore, releases: deployments with their per-app version (assigned inside the
// inserting transaction), lookups, paging by version, status queries and events.
#include <sqlite3.h>

#include "aether/store/json_columns.h"
#include "aether/store/paging.h"
#include "aether/store/sqlite/sqlite_rows.h"
#include "aether/store/sqlite/sqlite_store_impl.h"
#include "aether/store/sqlite/statement.h"
#include "aether/store/store_errors.h"

namespace aether::sqlite {

using store_json::ConfigToJson;
using store_json::PhasesToJson;

template <typename... Args>
Result<std::vector<Deployment>> SqliteStore::SelectDeployments(const std::string& rest,
                                                               const Args&... args) {
  Statement st(db_, std::string("SELECT ") + kDeploymentColumns + " FROM deployments " + rest);
  st.Bind(args...);
  std::vector<Deployment> out;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadDeployment(st));
  }
}

Result<Deployment> SqliteStore::CreateDeployment(const Deployment& d) {
  AETHER_ASSIGN_OR_RETURN(std::string config, ConfigToJson(d.config));
  std::lock_guard lock(mu_);
  Deployment stored = d;
  Status s = Transaction(db_, [&]() -> Status {
    AETHER_RETURN_IF_ERROR(RequireApp(d.app));
    Statement next(db_, "SELECT COALESCE(MAX(version), 0) + 1 FROM deployments WHERE app=?");
    next.Bind(d.app);
    AETHER_ASSIGN_OR_RETURN(bool row, next.Step());
    stored.version = row ? next.Int(0) : 1;
    if (d.version > 0 && d.version != stored.version) {
      return store_errors::StaleRelease(d.app, d.version);
    }
    Statement st(db_, std::string("INSERT INTO deployments(") + kDeploymentColumns +
                          ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    st.Bind(d.id, d.app, stored.version, d.artifact, d.description, config,
            static_cast<long long>(d.instances), d.status, d.reason, d.url, PhasesToJson(d.phases),
            d.created_at, d.updated_at, d.strategy);
    Status inserted = st.Run();
    if (inserted.code() == ErrorCode::kConflict) {
      return AlreadyExists("deployment '" + d.id + "' already exists");
    }
    return inserted;
  });
  if (!s.ok()) return s;
  return stored;
}

Status SqliteStore::UpdateDeployment(const Deployment& d) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "UPDATE deployments SET status=?, reason=?, url=?, phases=?, updated_at=? "
               "WHERE id=?");
  st.Bind(d.status, d.reason, d.url, PhasesToJson(d.phases), d.updated_at, d.id);
  AETHER_RETURN_IF_ERROR(st.Run());
  if (sqlite3_changes(db_) == 0) return store_errors::DeploymentNotFound(d.id);
  return Status::Ok();
}

Result<Deployment> SqliteStore::GetDeployment(std::string_view id) {
  std::lock_guard lock(mu_);
  AETHER_ASSIGN_OR_RETURN(auto found, SelectDeployments("WHERE id=?", id));
  if (found.empty()) return store_errors::DeploymentNotFound(id);
  return found.front();
}

Result<Deployment> SqliteStore::GetRelease(std::string_view app, long long version) {
  std::lock_guard lock(mu_);
  AETHER_ASSIGN_OR_RETURN(auto found, SelectDeployments("WHERE app=? AND version=?", app, version));
  if (found.empty()) {
    return store_errors::ReleaseNotFound(app, version);
  }
  return found.front();
}

Result<Page<Deployment>> SqliteStore::ListDeployments(std::string_view app,
                                                      const PageRequest& request) {
  std::lock_guard lock(mu_);
  AETHER_RETURN_IF_ERROR(RequireApp(app));
  AETHER_ASSIGN_OR_RETURN(long long before, paging::NumericAfter(request, paging::kNoUpperBound));
  int limit = paging::Limit(request);
  Page<Deployment> page;
  AETHER_ASSIGN_OR_RETURN(page.items,
                          SelectDeployments("WHERE app=? AND version<? ORDER BY version DESC "
                                            "LIMIT ?",
                                            app, before, static_cast<long long>(limit) + 1));
  if (paging::Trim(page.items, limit)) page.next = std::to_string(page.items.back().version);
  return page;
}

Result<std::vector<Deployment>> SqliteStore::ListDeploymentsInStatus(std::string_view status) {
  std::lock_guard lock(mu_);
  return SelectDeployments("WHERE status=? ORDER BY seq", status);
}

Status SqliteStore::AppendEvent(const DeploymentEvent& e) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO deployment_events(deployment, time, type, message) VALUES(?,?,?,?)");
  st.Bind(e.deployment, e.time, e.type, e.message);
  Status s = st.Run();
  if (s.code() == ErrorCode::kConflict)
    return store_errors::DeploymentNotFound(e.deployment);  // foreign key
  return s;
}

Result<Page<DeploymentEvent>> SqliteStore::ListEvents(std::string_view deployment,
                                                      const PageRequest& request) {
  std::lock_guard lock(mu_);
  {
    Statement exists(db_, "SELECT 1 FROM deployments WHERE id=?");
    exists.Bind(deployment);
    AETHER_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) return store_errors::DeploymentNotFound(deployment);
  }
  AETHER_ASSIGN_OR_RETURN(long long after, paging::NumericAfter(request, 0));
  int limit = paging::Limit(request);
  Statement st(db_,
               "SELECT seq, deployment, time, type, message FROM deployment_events "
               "WHERE deployment=? AND seq>? ORDER BY seq LIMIT ?");
  st.Bind(deployment, after, static_cast<long long>(limit) + 1);
  Page<DeploymentEvent> page;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    page.items.push_back({st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4)});
  }
  if (paging::Trim(page.items, limit)) page.next = std::to_string(page.items.back().seq);
  return page;
}

}  // namespace aether::sqlite
