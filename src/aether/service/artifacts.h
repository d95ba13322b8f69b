// ArtifactService: the content-addressed upload protocol (which digests are missing, presign,
// staged PUT, complete with re-hash; or multipart: create, part PUTs, complete, abort) and
// manifest registration, where the manifest's own sha256 becomes the artifact digest, its
// evidence is verified (service/evidence.h), the app's quota is checked and retention applied
// (service/retention.h).
// Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "aether/blob/blob_store.h"
#include "aether/service/evidence.h"
#include "aether/store/store.h"

namespace aether {

// A multipart upload as created: where each part goes (parts[i] is part i+1).
struct UploadPlan {
  std::string upload_id;
  long long part_size = 0;
  std::vector<PresignedUrl> parts;
};

class ArtifactService {
 public:
  static constexpr long long kDefaultPartSize = 8LL << 20;

  ArtifactService(MetadataStore& store, BlobStore& blobs, UrlSigner signer,
                  ArtifactPolicy policy = {},
                  std::chrono::seconds url_ttl = std::chrono::minutes(15),
                  long long part_size = kDefaultPartSize)
      : store_(store),
        blobs_(blobs),
        signer_(std::move(signer)),
        policy_(std::move(policy)),
        ttl_(url_ttl),
        part_size_(part_size) {}

  Result<long long> Size(const std::string& digest);
  // The subset of `digests` the blob store lacks, in the order given.
  Result<std::vector<std::string>> Missing(const std::vector<std::string>& digests);
  Result<PresignedUrl> PresignUpload(const std::string& digest, long long size);
  Result<PresignedUrl> PresignDownload(const std::string& digest);

  // Bodies of aetherd-served presigned URLs; `expires`/`signature` come from the query.
  Status StageSigned(const std::string& digest, const std::string& expires,
                     const std::string& signature, std::string_view bytes);
  Result<std::string> ReadSigned(const std::string& digest, const std::string& expires,
                                 const std::string& signature);

  Result<long long> Complete(const std::string& digest, long long size);

  // Multipart: parts of part_size bytes (the last may be smaller), at most 10000.
  Result<UploadPlan> CreateUpload(const std::string& digest, long long size);
  // Body of an aetherd-served part URL; returns the part's ETag.
  Result<std::string> StagePartSigned(const std::string& upload_id, const std::string& part,
                                      const std::string& expires, const std::string& signature,
                                      std::string_view bytes);
  // Joins the parts, re-hashes and publishes; returns the blob's digest and size.
  Result<std::pair<Digest, long long>> CompleteUpload(const std::string& upload_id,
                                                      const std::vector<UploadPart>& parts);
  Status AbortUpload(const std::string& upload_id);

  // Validates the manifest (schema, every layer uploaded with its size, native addons built
  // for the runtime's platform) and its evidence, then records it for `app`.
  Result<ArtifactRecord> Register(const std::string& app, const std::string& manifest_bytes,
                                  const Evidence& evidence = {});
  Result<ArtifactRecord> Get(const std::string& app, const std::string& digest);
  // The app's artifacts, newest first, metadata only.
  Result<Page<ArtifactRecord>> List(const std::string& app, const PageRequest& page);
  // By artifact digest alone, for /artifacts/{digest} and its evidence.
  Result<ArtifactRecord> Find(const std::string& digest);
  const ArtifactPolicy& policy() const { return policy_; }

 private:
  MetadataStore& store_;
  BlobStore& blobs_;
  UrlSigner signer_;
  ArtifactPolicy policy_;
  std::chrono::seconds ttl_;
  long long part_size_;
};

}  // namespace aether
