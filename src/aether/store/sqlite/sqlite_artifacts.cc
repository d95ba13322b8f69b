// SQLite MetadataStore, artifacts: registration with layers, lookups, paging by registration
// sequence, usage, unreferenced artifacts, deletion and layer references.
#include <sqlite3.h>

#include "aether/store/paging.h"
#include "aether/store/sqlite/sqlite_rows.h"
#include "aether/store/sqlite/sqlite_store_impl.h"
#include "aether/store/sqlite/statement.h"
#include "aether/store/store_errors.h"

namespace aether::sqlite {
namespace {

// "Referenced": a release (deployment row) of the artifact's own app names its digest.
constexpr const char* kReferenced =
    "EXISTS (SELECT 1 FROM deployments AS d WHERE d.app = artifacts.app AND "
    "d.artifact = artifacts.digest)";

Result<bool> Exists(sqlite3* db, std::string_view app, std::string_view digest) {
  Statement st(db, "SELECT 1 FROM artifacts WHERE app=? AND digest=?");
  st.Bind(app, digest);
  return st.Step();
}

// Registers a new artifact: the next registration sequence, then its distinct layers.
Status Insert(sqlite3* db, const ArtifactRecord& a) {
  Statement st(db, std::string("INSERT INTO artifacts(") + kArtifactColumns +
                       ", seq) VALUES(?,?,?,?,?,?,?,?,?,?,"
                       "(SELECT COALESCE(MAX(seq), 0) + 1 FROM artifacts))");
  st.Bind(a.app, a.digest, a.manifest, a.size, a.created_at, a.signature, a.signed_by, a.sbom,
          a.provenance, a.provenance_signed_by);
  AETHER_RETURN_IF_ERROR(st.Run());
  for (const std::string& layer : a.layers) {
    Statement add(db, "INSERT OR IGNORE INTO artifact_layers(app, artifact, layer) VALUES(?,?,?)");
    add.Bind(a.app, a.digest, layer);
    AETHER_RETURN_IF_ERROR(add.Run());
  }
  return Status::Ok();
}

Status ReplaceEvidence(sqlite3* db, const ArtifactRecord& a) {
  Statement st(db,
               "UPDATE artifacts SET signature=?, signed_by=?, sbom=?, provenance=?, "
               "provenance_signed_by=? WHERE app=? AND digest=?");
  st.Bind(a.signature, a.signed_by, a.sbom, a.provenance, a.provenance_signed_by, a.app, a.digest);
  return st.Run();
}

Result<std::vector<ArtifactRecord>> ReadAll(Statement& st) {
  std::vector<ArtifactRecord> out;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(ReadArtifactMetadata(st));
  }
}

}  // namespace

Status SqliteStore::PutArtifact(const ArtifactRecord& a) {
  std::lock_guard lock(mu_);
  return Transaction(db_, [&]() -> Status {
    AETHER_RETURN_IF_ERROR(RequireApp(a.app));
    AETHER_ASSIGN_OR_RETURN(bool known, Exists(db_, a.app, a.digest));
    return known ? ReplaceEvidence(db_, a) : Insert(db_, a);
  });
}

Result<ArtifactRecord> SqliteStore::WithLayers(ArtifactRecord a) {
  Statement st(db_, "SELECT layer FROM artifact_layers WHERE app=? AND artifact=? ORDER BY layer");
  st.Bind(a.app, a.digest);
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return a;
    a.layers.push_back(st.Text(0));
  }
}

Result<ArtifactRecord> SqliteStore::GetArtifact(std::string_view app, std::string_view digest) {
  std::lock_guard lock(mu_);
  Statement st(
      db_, std::string("SELECT ") + kArtifactColumns + " FROM artifacts WHERE app=? AND digest=?");
  st.Bind(app, digest);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return store_errors::ArtifactNotFound(app, digest);
  return WithLayers(ReadArtifact(st));
}

Result<ArtifactRecord> SqliteStore::FindArtifact(std::string_view digest) {
  std::lock_guard lock(mu_);
  Statement st(
      db_, std::string("SELECT ") + kArtifactColumns + " FROM artifacts WHERE digest=? LIMIT 1");
  st.Bind(digest);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("artifact " + std::string(digest) + " is not registered");
  return WithLayers(ReadArtifact(st));
}

Result<Page<ArtifactRecord>> SqliteStore::ListArtifacts(std::string_view app,
                                                        const PageRequest& request) {
  std::lock_guard lock(mu_);
  AETHER_RETURN_IF_ERROR(RequireApp(app));
  AETHER_ASSIGN_OR_RETURN(long long before, paging::NumericAfter(request, paging::kNoUpperBound));
  int limit = paging::Limit(request);
  Statement st(db_, std::string("SELECT ") + kArtifactMetadataColumns +
                        " FROM artifacts WHERE app=? AND seq<? ORDER BY seq DESC LIMIT ?");
  st.Bind(app, before, static_cast<long long>(limit) + 1);
  Page<ArtifactRecord> page;
  std::vector<long long> seqs;
  while (true) {
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    page.items.push_back(ReadArtifactMetadata(st));
    seqs.push_back(st.Int(4));
  }
  if (paging::Trim(page.items, limit)) page.next = std::to_string(seqs[page.items.size() - 1]);
  return page;
}

Result<ArtifactUsage> SqliteStore::GetArtifactUsage(std::string_view app) {
  std::lock_guard lock(mu_);
  AETHER_RETURN_IF_ERROR(RequireApp(app));
  Statement st(db_, "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM artifacts WHERE app=?");
  st.Bind(app);
  AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return ArtifactUsage{};
  return ArtifactUsage{st.Int(0), st.Int(1)};
}

Result<std::vector<ArtifactRecord>> SqliteStore::ListUnreferencedArtifacts(std::string_view app) {
  std::lock_guard lock(mu_);
  AETHER_RETURN_IF_ERROR(RequireApp(app));
  Statement st(db_, std::string("SELECT ") + kArtifactMetadataColumns +
                        " FROM artifacts WHERE app=? AND NOT " + kReferenced +
                        " ORDER BY seq DESC");
  st.Bind(app);
  return ReadAll(st);
}

Status SqliteStore::DeleteArtifact(std::string_view app, std::string_view digest) {
  std::lock_guard lock(mu_);
  return Transaction(db_, [&]() -> Status {
    Statement st(db_,
                 std::string("SELECT ") + kReferenced + " FROM artifacts WHERE app=? AND digest=?");
    st.Bind(app, digest);
    AETHER_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return store_errors::ArtifactNotFound(app, digest);
    if (st.Int(0) != 0) {
      return store_errors::ArtifactInUse(app, digest);
    }
    // The foreign key cascades to the artifact's layer rows.
    Statement del(db_, "DELETE FROM artifacts WHERE app=? AND digest=?");
    del.Bind(app, digest);
    return del.Run();
  });
}

Result<bool> SqliteStore::LayerReferenced(std::string_view layer_digest) {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT 1 FROM artifact_layers WHERE layer=? LIMIT 1");
  st.Bind(layer_digest);
  return st.Step();
}

}  // namespace aether::sqlite
