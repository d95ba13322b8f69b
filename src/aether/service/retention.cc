// Quota checks and retention of unreferenced artifacts.
#include "aether/service/retention.h"

#include <cctype>
#include <cstdlib>

#include "aether/core/digest.h"
#include "aether/core/names.h"

namespace aether {
namespace {

Result<long long> EnvSize(const char* name, bool allow_suffix) {
  const char* raw = std::getenv(name);
  std::string_view text = raw != nullptr ? raw : "";
  if (text.empty()) return 0LL;
  auto size = ParseByteSize(text);
  if (!size.ok() || (!allow_suffix && !std::isdigit(static_cast<unsigned char>(text.back())))) {
    return InvalidArgument(std::string(name) + " must be a non-negative number" +
                           (allow_suffix ? " (K, M, G or T suffix allowed)" : "") + ", not '" +
                           raw + "'");
  }
  return size;
}

}  // namespace

Result<ArtifactLimits> ArtifactLimits::FromEnvironment() {
  ArtifactLimits l;
  AETHER_ASSIGN_OR_RETURN(l.max_artifacts, EnvSize("AETHER_QUOTA_ARTIFACTS", false));
  AETHER_ASSIGN_OR_RETURN(l.max_bytes, EnvSize("AETHER_QUOTA_BYTES", true));
  AETHER_ASSIGN_OR_RETURN(l.retain, EnvSize("AETHER_RETAIN_ARTIFACTS", false));
  return l;
}

Status CheckQuota(const ArtifactLimits& limits, const std::string& app, const ArtifactUsage& usage,
                  long long size) {
  if (limits.max_artifacts > 0 && usage.count + 1 > limits.max_artifacts) {
    return Status(ErrorCode::kQuotaExceeded,
                  "app '" + app + "' has " + std::to_string(usage.count) +
                      " artifacts, the quota is " + std::to_string(limits.max_artifacts) +
                      " (AETHER_QUOTA_ARTIFACTS); raise it: every artifact a release refers to is "
                      "kept for rollback");
  }
  if (limits.max_bytes > 0 && usage.bytes + size > limits.max_bytes) {
    return Status(ErrorCode::kQuotaExceeded,
                  "app '" + app + "' would keep " + std::to_string(usage.bytes + size) +
                      " bytes of artifacts, the quota is " + std::to_string(limits.max_bytes) +
                      " (AETHER_QUOTA_BYTES)");
  }
  return Status::Ok();
}

Result<int> ApplyRetention(MetadataStore& store, BlobStore& blobs, const ArtifactLimits& limits,
                           const std::string& app) {
  if (limits.retain <= 0) return 0;
  AETHER_ASSIGN_OR_RETURN(std::vector<ArtifactRecord> unreferenced,
                          store.ListUnreferencedArtifacts(app));
  int deleted = 0;
  for (size_t i = static_cast<size_t>(limits.retain); i < unreferenced.size(); ++i) {
    const ArtifactRecord& old = unreferenced[i];
    AETHER_ASSIGN_OR_RETURN(ArtifactRecord full, store.GetArtifact(app, old.digest));
    Status s = store.DeleteArtifact(app, old.digest);
    if (s.code() == ErrorCode::kConflict || s.code() == ErrorCode::kNotFound) continue;
    AETHER_RETURN_IF_ERROR(s);
    ++deleted;
    for (const auto& layer : full.layers) {
      AETHER_ASSIGN_OR_RETURN(bool used, store.LayerReferenced(layer));
      auto digest = Digest::Parse(layer);
      if (!used && digest.ok()) (void)blobs.Delete(*digest);
    }
  }
  return deleted;
}

}  // namespace aether
