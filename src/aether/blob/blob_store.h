// BlobStore: content-addressed bytes (artifact layers), uploaded in two phases: presign →
// client PUT → complete (re-hash, then publish). Implementations: the in-memory fake (beside
// this file), blob/fs (files under the data dir; aetherd serves the presigned URLs itself).
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "aether/blob/url_signer.h"
#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether {

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  virtual Status Ping() = 0;
  virtual Result<bool> Exists(const Digest& digest) = 0;
  virtual Result<long long> Size(const Digest& digest) = 0;  // kNotFound when absent

  virtual Result<PresignedUrl> PresignUpload(const Digest& digest, long long size,
                                             std::chrono::seconds ttl) = 0;
  virtual Result<PresignedUrl> PresignDownload(const Digest& digest, std::chrono::seconds ttl) = 0;

  // Receives the body of a presigned upload that points back at aetherd (the URL signature is
  // checked by the caller). Stores without other backends than fs answer kFailedPrecondition.
  virtual Status StageUpload(const Digest& digest, std::string_view bytes) = 0;
  // Re-hashes what was staged for `digest`; publishes it when it matches (and its size equals
  // `expected_size` when that is >= 0). kDigestMismatch discards the staged bytes; kNotFound
  // when nothing was staged. Completing a digest that is already published is ok.
  virtual Result<long long> CompleteUpload(const Digest& digest, long long expected_size) = 0;

  virtual Result<std::string> ReadAll(const Digest& digest) = 0;
  virtual Status Delete(const Digest& digest) = 0;
};

// In-memory fake. Presigned URLs are aetherd-relative and signed with `signer`.
std::unique_ptr<BlobStore> NewMemoryBlobStore(UrlSigner signer);

}  // namespace aether
