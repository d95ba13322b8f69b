// Per-app artifact quotas and retention. Quotas cap how many artifacts and bytes an app keeps
// (403 quota_exceeded on registration); retention keeps the newest N artifacts no release
// refers to and deletes older ones with the layer blobs nothing else names. Configured by
// environment variables; 0 means unlimited / keep all. Free functions; thread-safe.
#pragma once

#include <string>

#include "aether/blob/blob_store.h"
#include "aether/store/store.h"

namespace aether {

struct ArtifactLimits {
  long long max_artifacts = 0;  // AETHER_QUOTA_ARTIFACTS
  long long max_bytes = 0;      // AETHER_QUOTA_BYTES (a number, or with a K/M/G/T suffix)
  long long retain = 0;         // AETHER_RETAIN_ARTIFACTS

  // kInvalidArgument naming the variable when one is not a non-negative number.
  static Result<ArtifactLimits> FromEnvironment();
};

// kQuotaExceeded when registering one more artifact of `size` bytes would pass a quota.
Status CheckQuota(const ArtifactLimits& limits, const std::string& app, const ArtifactUsage& usage,
                  long long size);

// Applies retention to `app`; returns how many artifacts it deleted.
Result<int> ApplyRetention(MetadataStore& store, BlobStore& blobs, const ArtifactLimits& limits,
                           const std::string& app);

}  // namespace aether
