// Row mapping for the SQLite store.
#include "aether/store/sqlite/sqlite_rows.h"

#include "aether/store/json_columns.h"

namespace aether::sqlite {

using store_json::ConfigFromJson;
using store_json::PhasesFromJson;

Deployment ReadDeployment(const Statement& st) {
  Deployment d;
  d.id = st.Text(0);
  d.app = st.Text(1);
  d.version = st.Int(2);
  d.artifact = st.Text(3);
  d.description = st.Text(4);
  d.config = ConfigFromJson(st.Text(5));
  d.instances = static_cast<int>(st.Int(6));
  d.status = st.Text(7);
  d.reason = st.Text(8);
  d.url = st.Text(9);
  d.phases = PhasesFromJson(st.Text(10));
  d.created_at = st.Text(11);
  d.updated_at = st.Text(12);
  d.strategy = st.Text(13);
  return d;
}

ArtifactRecord ReadArtifact(const Statement& st) {
  ArtifactRecord a;
  a.app = st.Text(0);
  a.digest = st.Text(1);
  a.manifest = st.Text(2);
  a.size = st.Int(3);
  a.created_at = st.Text(4);
  a.signature = st.Text(5);
  a.signed_by = st.Text(6);
  a.sbom = st.Text(7);
  a.provenance = st.Text(8);
  a.provenance_signed_by = st.Text(9);
  return a;
}

ArtifactRecord ReadArtifactMetadata(const Statement& st) {
  ArtifactRecord a;
  a.app = st.Text(0);
  a.digest = st.Text(1);
  a.size = st.Int(2);
  a.created_at = st.Text(3);
  return a;
}

PublicKey ReadKey(const Statement& st) {
  return PublicKey{st.Text(1),     st.Text(0), st.Text(2), st.Text(3),
                   st.Int(4) != 0, st.Text(5), st.Text(6)};
}

IdempotencyRecord ReadIdempotency(const Statement& st) {
  return IdempotencyRecord{st.Text(0), st.Text(1), static_cast<int>(st.Int(2)), st.Text(3),
                           st.Text(4)};
}

}  // namespace aether::sqlite
