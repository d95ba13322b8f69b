// ArtifactService: the content-addressed upload protocol (which digests are missing, presign,
// staged PUT, complete with re-hash) and manifest registration, where the manifest's own
// sha256 becomes the artifact digest and its evidence is verified (service/evidence.h).
// Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "aether/blob/blob_store.h"
#include "aether/service/evidence.h"
#include "aether/store/store.h"

namespace aether {

class ArtifactService {
 public:
  ArtifactService(MetadataStore& store, BlobStore& blobs, UrlSigner signer,
                  ArtifactPolicy policy = {},
                  std::chrono::seconds url_ttl = std::chrono::minutes(15))
      : store_(store),
        blobs_(blobs),
        signer_(std::move(signer)),
        policy_(std::move(policy)),
        ttl_(url_ttl) {}

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

  // Validates the manifest (schema, every layer uploaded with its size, native addons built
  // for the runtime's platform) and its evidence, then records it for `app`.
  Result<ArtifactRecord> Register(const std::string& app, const std::string& manifest_bytes,
                                  const Evidence& evidence = {});
  Result<ArtifactRecord> Get(const std::string& app, const std::string& digest);
  // By artifact digest alone, for /artifacts/{digest} and its evidence.
  Result<ArtifactRecord> Find(const std::string& digest);
  const ArtifactPolicy& policy() const { return policy_; }

 private:
  MetadataStore& store_;
  BlobStore& blobs_;
  UrlSigner signer_;
  ArtifactPolicy policy_;
  std::chrono::seconds ttl_;
};

}  // namespace aether
