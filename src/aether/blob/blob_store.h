// BlobStore: content-addressed bytes (artifact layers), uploaded in two phases: presign →
// client PUT → complete (re-hash, then publish), or in parts for big blobs (multipart).
// Implementations: the in-memory fake (beside this file), blob/fs (files under the data dir;
// aetherd serves the presigned URLs itself) and blob/s3 (presigned URLs point at S3).
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

  // Stages bytes for `digest` on the server's side: the body of a presigned upload that points
  // back at aetherd (the URL signature is checked by the caller), or aetherd's own upload to S3.
  virtual Status StageUpload(const Digest& digest, std::string_view bytes) = 0;
  // Re-hashes what was staged for `digest`; publishes it when it matches (and its size equals
  // `expected_size` when that is >= 0). kDigestMismatch discards the staged bytes; kNotFound
  // when nothing was staged. Completing a digest that is already published is ok.
  virtual Result<long long> CompleteUpload(const Digest& digest, long long expected_size) = 0;

  // Multipart upload of one blob of `size` bytes in parts of `part_size` (the last may be
  // smaller, at most 10000 parts); returns the upload id. kInvalidArgument for bad sizes.
  virtual Result<std::string> CreateMultipart(const Digest& digest, long long size,
                                              long long part_size) = 0;
  // A URL the client PUTs part `part_number` (1-based) to. kNotFound for an unknown upload.
  virtual Result<PresignedUrl> PresignPart(const std::string& upload_id, int part_number,
                                           std::chrono::seconds ttl) = 0;
  // Stages a part on the server's side (its URL points back at aetherd and the caller checked
  // the signature, or aetherd uploads it to S3 itself) and returns its ETag. Uploading a part again
  // replaces it. kInvalidArgument when the number is out of range or the length is not the part's.
  virtual Result<std::string> StagePart(const std::string& upload_id, int part_number,
                                        std::string_view bytes) = 0;
  // Concatenates the parts in order, re-hashes the whole and publishes it; returns its digest
  // and size. kInvalidArgument (the upload stays) when `parts` does not name every part once
  // with its ETag; kDigestMismatch drops the upload and its parts; kNotFound for unknown ids.
  virtual Result<std::pair<Digest, long long>> CompleteMultipart(
      const std::string& upload_id, const std::vector<UploadPart>& parts) = 0;
  // Drops the upload and its parts. kNotFound for an unknown upload.
  virtual Status AbortMultipart(const std::string& upload_id) = 0;

  virtual Result<std::string> ReadAll(const Digest& digest) = 0;
  virtual Status Delete(const Digest& digest) = 0;

  // Drops uploads that were started (staged bytes, multipart uploads) and not completed or
  // aborted for at least `max_age`; returns how many. Younger uploads are left alone, so this
  // may run while clients upload.
  virtual Result<int> CollectStaleUploads(std::chrono::seconds max_age) = 0;
};

// In-memory fake. Presigned URLs are aetherd-relative and signed with `signer`.
std::unique_ptr<BlobStore> NewMemoryBlobStore(UrlSigner signer);

}  // namespace aether
