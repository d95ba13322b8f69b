// PostgreSQL MetadataStore, part 1: opening (migrations), apps, artifacts and public keys.
#include "aether/store/postgres/postgres_store.h"

#include <algorithm>

#include "aether/store/postgres/postgres_internal.h"

namespace aether {
namespace {

constexpr const char* kArtifactColumns =
    "app, digest, manifest, size, created_at, signature, signed_by, sbom, provenance, "
    "provenance_signed_by";
// Metadata only (listings): app, digest, size, created_at, then the page key.
constexpr const char* kArtifactMetaColumns = "app, digest, size, created_at, seq";
constexpr const char* kKeyColumns = "app, id, name, pem, active, created_at, deactivated_at";

ArtifactRecord ReadArtifact(const pg::Rows& r, int i) {
  ArtifactRecord a;
  a.app = r.Text(i, 0);
  a.digest = r.Text(i, 1);
  a.manifest = r.Bytes(i, 2);
  a.size = r.Int(i, 3);
  a.created_at = r.Text(i, 4);
  a.signature = r.Text(i, 5);
  a.signed_by = r.Text(i, 6);
  a.sbom = r.Text(i, 7);
  a.provenance = r.Text(i, 8);
  a.provenance_signed_by = r.Text(i, 9);
  return a;
}

ArtifactRecord ReadArtifactMeta(const pg::Rows& r, int i) {
  ArtifactRecord a;
  a.app = r.Text(i, 0);
  a.digest = r.Text(i, 1);
  a.size = r.Int(i, 2);
  a.created_at = r.Text(i, 3);
  return a;
}

PublicKey ReadKey(const pg::Rows& r, int i) {
  return PublicKey{r.Text(i, 1), r.Text(i, 0), r.Text(i, 2), r.Text(i, 3),
                   r.Bool(i, 4), r.Text(i, 5), r.Text(i, 6)};
}

App ReadApp(const pg::Rows& r, int i) { return App{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2)}; }

// Fills `a.layers` from artifact_layers, in manifest order.
Status ReadLayers(pg::Conn& conn, ArtifactRecord& a) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, conn.Query("SELECT layer FROM artifact_layers WHERE "
                                                    "app=$1 AND artifact=$2 ORDER BY position",
                                                    {a.app, a.digest}));
  for (int i = 0; i < rows.size(); ++i) a.layers.push_back(rows.Text(i, 0));
  return Status::Ok();
}

}  // namespace

using store_errors::AppNotFound;
using store_errors::ArtifactNotFound;

Result<pg::Rows> PostgresStore::Run(const std::string& sql, const std::vector<pg::Param>& params) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  return conn->Query(sql, params);
}

Status PostgresStore::RequireApp(pg::Conn& conn, std::string_view app) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, conn.Query("SELECT 1 FROM apps WHERE name=$1", {app}));
  return rows.size() > 0 ? Status::Ok() : AppNotFound(app);
}

Status PostgresStore::Ping() { return Run("SELECT 1").status(); }

Status PostgresStore::CreateApp(const App& app) {
  Status s = Run("INSERT INTO apps(name, created_at, current_deployment) VALUES($1, $2, $3)",
                 {app.name, app.created_at, app.current_deployment})
                 .status();
  if (s.code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists("app '" + app.name + "' already exists");
  }
  return s;
}

Result<App> PostgresStore::GetApp(std::string_view name) {
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      Run("SELECT name, created_at, current_deployment FROM apps WHERE name=$1", {name}));
  if (rows.size() == 0) return AppNotFound(name);
  return ReadApp(rows, 0);
}

Result<Page<App>> PostgresStore::ListApps(const PageRequest& page) {
  int limit = paging::Limit(page);
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, Run("SELECT name, created_at, current_deployment FROM "
                                             "apps WHERE name > $1 ORDER BY name LIMIT $2",
                                             {page.after, limit + 1}));
  return ToPage<App>(rows, limit, 0, ReadApp);
}

Status PostgresStore::DeleteApp(std::string_view name) {
  // One statement: the foreign keys cascade to artifacts, layers, keys, releases and events.
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, Run("DELETE FROM apps WHERE name=$1", {name}));
  return rows.affected() > 0 ? Status::Ok() : AppNotFound(name);
}

Status PostgresStore::SetCurrentDeployment(std::string_view app, std::string_view deployment_id) {
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, Run("UPDATE apps SET current_deployment=$1 WHERE name=$2",
                                             {deployment_id, app}));
  return rows.affected() > 0 ? Status::Ok() : AppNotFound(app);
}

Status PostgresStore::PutArtifact(const ArtifactRecord& a) {
  Status s = pool_.Transaction([&](pg::Conn& conn) -> Status {
    AETHER_ASSIGN_OR_RETURN(
        pg::Rows inserted,
        conn.Query(std::string("INSERT INTO artifacts(") + kArtifactColumns +
                       ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                       "ON CONFLICT (app, digest) DO NOTHING",
                   {a.app, a.digest, pg::Bytes(a.manifest), a.size, a.created_at, a.signature,
                    a.signed_by, a.sbom, a.provenance, a.provenance_signed_by}));
    if (inserted.affected() == 0) {  // registered before: keep it, replace the evidence
      return conn
          .Query(
              "UPDATE artifacts SET signature=$3, signed_by=$4, sbom=$5, provenance=$6, "
              "provenance_signed_by=$7 WHERE app=$1 AND digest=$2",
              {a.app, a.digest, a.signature, a.signed_by, a.sbom, a.provenance,
               a.provenance_signed_by})
          .status();
    }
    for (int i = 0; i < static_cast<int>(a.layers.size()); ++i) {
      AETHER_RETURN_IF_ERROR(conn.Query("INSERT INTO artifact_layers(app, artifact, position, "
                                        "layer) VALUES($1, $2, $3, $4)",
                                        {a.app, a.digest, i, a.layers[i]})
                                 .status());
    }
    return Status::Ok();
  });
  if (s.code() == ErrorCode::kNotFound) return AppNotFound(a.app);  // foreign key
  return s;
}

Result<ArtifactRecord> PostgresStore::GetArtifact(std::string_view app, std::string_view digest) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows,
                          conn->Query(std::string("SELECT ") + kArtifactColumns +
                                          " FROM artifacts WHERE app=$1 AND digest=$2",
                                      {app, digest}));
  if (rows.size() == 0) return ArtifactNotFound(app, digest);
  ArtifactRecord a = ReadArtifact(rows, 0);
  AETHER_RETURN_IF_ERROR(ReadLayers(*conn, a));
  return a;
}

Result<ArtifactRecord> PostgresStore::FindArtifact(std::string_view digest) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows,
                          conn->Query(std::string("SELECT ") + kArtifactColumns +
                                          " FROM artifacts WHERE digest=$1 ORDER BY seq LIMIT 1",
                                      {digest}));
  if (rows.size() == 0) return NotFound("artifact " + std::string(digest) + " is not registered");
  ArtifactRecord a = ReadArtifact(rows, 0);
  AETHER_RETURN_IF_ERROR(ReadLayers(*conn, a));
  return a;
}

Result<Page<ArtifactRecord>> PostgresStore::ListArtifacts(std::string_view app,
                                                          const PageRequest& page) {
  int limit = paging::Limit(page);
  AETHER_ASSIGN_OR_RETURN(long long after, paging::NumericAfter(page, paging::kNoUpperBound));
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_RETURN_IF_ERROR(RequireApp(*conn, app));
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn->Query(std::string("SELECT ") + kArtifactMetaColumns +
                      " FROM artifacts WHERE app=$1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
                  {app, after, limit + 1}));
  return ToPage<ArtifactRecord>(rows, limit, 4, ReadArtifactMeta);
}

Result<ArtifactUsage> PostgresStore::GetArtifactUsage(std::string_view app) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_RETURN_IF_ERROR(RequireApp(*conn, app));
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn->Query("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM artifacts WHERE app=$1", {app}));
  return ArtifactUsage{rows.Int(0, 0), rows.Int(0, 1)};
}

Result<std::vector<ArtifactRecord>> PostgresStore::ListUnreferencedArtifacts(std::string_view app) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_RETURN_IF_ERROR(RequireApp(*conn, app));
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn->Query(std::string("SELECT ") + kArtifactMetaColumns +
                      " FROM artifacts a WHERE app=$1 AND NOT EXISTS (SELECT 1 FROM deployments "
                      "d WHERE d.app=a.app AND d.artifact=a.digest) ORDER BY seq DESC",
                  {app}));
  return ToVector<ArtifactRecord>(rows, ReadArtifactMeta);
}

Status PostgresStore::DeleteArtifact(std::string_view app, std::string_view digest) {
  return pool_.Transaction([&](pg::Conn& conn) -> Status {
    // Locking the app row orders this against CreateDeployment, which locks it too.
    AETHER_ASSIGN_OR_RETURN(
        pg::Rows locked, conn.Query("SELECT 1 FROM apps WHERE name=$1 FOR NO KEY UPDATE", {app}));
    if (locked.size() == 0) return ArtifactNotFound(app, digest);
    AETHER_ASSIGN_OR_RETURN(pg::Rows users,
                            conn.Query("SELECT MAX(version) FROM deployments WHERE app=$1 AND "
                                       "artifact=$2 HAVING COUNT(*) > 0",
                                       {app, digest}));
    if (users.size() > 0) return store_errors::ArtifactInUse(app, digest);
    AETHER_ASSIGN_OR_RETURN(
        pg::Rows deleted,
        conn.Query("DELETE FROM artifacts WHERE app=$1 AND digest=$2", {app, digest}));
    return deleted.affected() > 0 ? Status::Ok() : ArtifactNotFound(app, digest);
  });
}

Result<bool> PostgresStore::LayerReferenced(std::string_view layer_digest) {
  AETHER_ASSIGN_OR_RETURN(
      pg::Rows rows,
      Run("SELECT EXISTS (SELECT 1 FROM artifact_layers WHERE layer=$1)", {layer_digest}));
  return rows.Bool(0, 0);
}

Status PostgresStore::PutPublicKey(const PublicKey& k) {
  Status s = Run(std::string("INSERT INTO public_keys(") + kKeyColumns +
                     ") VALUES($1, $2, $3, $4, $5, $6, $7)",
                 {k.app, k.id, k.name, k.pem, k.active, k.created_at, k.deactivated_at})
                 .status();
  if (s.code() == ErrorCode::kAlreadyExists) {
    return AlreadyExists("key " + k.id + " is already registered for app '" + k.app + "'");
  }
  if (s.code() == ErrorCode::kNotFound) return AppNotFound(k.app);  // foreign key
  return s;
}

Result<std::vector<PublicKey>> PostgresStore::ListPublicKeys(std::string_view app) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_RETURN_IF_ERROR(RequireApp(*conn, app));
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows,
                          conn->Query(std::string("SELECT ") + kKeyColumns +
                                          " FROM public_keys WHERE app=$1 ORDER BY seq",
                                      {app}));
  return ToVector<PublicKey>(rows, ReadKey);
}

Result<PublicKey> PostgresStore::DeactivatePublicKey(std::string_view app, std::string_view id,
                                                     std::string_view when) {
  AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, pool_.Acquire());
  AETHER_RETURN_IF_ERROR(conn->Query("UPDATE public_keys SET active=false, deactivated_at=$3 "
                                     "WHERE app=$1 AND id=$2 AND active",
                                     {app, id, when})
                             .status());
  AETHER_ASSIGN_OR_RETURN(pg::Rows rows, conn->Query(std::string("SELECT ") + kKeyColumns +
                                                         " FROM public_keys WHERE app=$1 AND id=$2",
                                                     {app, id}));
  if (rows.size() == 0) return store_errors::KeyNotFound(app, id);
  return ReadKey(rows, 0);
}

Result<std::unique_ptr<MetadataStore>> OpenPostgresStoreForTest(
    const PostgresOptions& options, std::span<const Migration> migrations) {
  auto store = std::make_unique<PostgresStore>(options);
  {
    AETHER_ASSIGN_OR_RETURN(pg::Pool::Lease conn, store->pool().Acquire());
    AETHER_RETURN_IF_ERROR(pg::Migrate(*conn, migrations));
  }
  return std::unique_ptr<MetadataStore>(std::move(store));
}

Result<std::unique_ptr<MetadataStore>> OpenPostgresStore(const PostgresOptions& options) {
  return OpenPostgresStoreForTest(options, pg::Migrations());
}

std::string RedactDatabaseUrl(std::string_view url) {
  std::string out(url);
  if (size_t scheme = out.find("://"); scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = std::min(out.find_first_of("/?", start), out.size());
    size_t at = out.rfind('@', end);
    size_t colon = out.find(':', start);
    if (at != std::string::npos && at >= start && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=… in key=value strings and in URL query parameters.
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos)) {
    size_t value = pos + 9;
    size_t end =
        out[value] == '\'' ? out.find('\'', value + 1) + 1 : out.find_first_of(" &", value);
    if (end == 0 || end > out.size()) end = out.size();
    out.replace(value, end - value, "***");
    pos = value + 3;
  }
  return out;
}

}  // namespace aether
