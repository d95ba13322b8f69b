// Row mapping for the SQLite store: the column lists it selects and readers that turn a row
// into a model record (the JSON columns decode with store/json_columns.h).
// Stateless functions; thread-safe (a Statement itself is used by one thread at a time).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"
#include "aether/store/sqlite/statement.h"

namespace aether::sqlite {

inline constexpr const char* kDeploymentColumns =
    "id, app, version, artifact, description, config, instances, status, reason, url, phases, "
    "created_at, updated_at, strategy";
inline constexpr const char* kArtifactColumns =
    "app, digest, manifest, size, created_at, signature, signed_by, sbom, provenance, "
    "provenance_signed_by";
// Metadata only, plus the registration sequence (the artifacts' page key).
inline constexpr const char* kArtifactMetadataColumns = "app, digest, size, created_at, seq";
inline constexpr const char* kKeyColumns = "app, id, name, pem, active, created_at, deactivated_at";
inline constexpr const char* kIdempotencyColumns =
    "key, request_hash, status, response, created_at";

Deployment ReadDeployment(const Statement& st);
ArtifactRecord ReadArtifact(const Statement& st);          // without layers
ArtifactRecord ReadArtifactMetadata(const Statement& st);  // column 4 is the seq
PublicKey ReadKey(const Statement& st);
IdempotencyRecord ReadIdempotency(const Statement& st);

}  // namespace aether::sqlite
