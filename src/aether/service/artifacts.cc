// Upload protocol and manifest registration.
#include "aether/service/artifacts.h"

#include <charconv>
#include <ctime>

#include "aether/artifact/manifest.h"
#include "aether/artifact/native.h"
#include "aether/blob/multipart.h"
#include "aether/core/names.h"
#include "aether/crypto/crypto.h"

namespace aether {

Result<long long> ArtifactService::Size(const std::string& digest) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  return blobs_.Size(d);
}

Result<std::vector<std::string>> ArtifactService::Missing(const std::vector<std::string>& digests) {
  if (digests.size() > 10000) return InvalidArgument("at most 10000 digests per request");
  std::vector<std::string> missing;
  for (const auto& text : digests) {
    AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(text));
    AETHER_ASSIGN_OR_RETURN(bool have, blobs_.Exists(d));
    if (!have) missing.push_back(d.str());
  }
  return missing;
}

Result<PresignedUrl> ArtifactService::PresignUpload(const std::string& digest, long long size) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  if (size < 0) return InvalidArgument("size must be >= 0");
  return blobs_.PresignUpload(d, size, ttl_);
}

Result<PresignedUrl> ArtifactService::PresignDownload(const std::string& digest) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  AETHER_ASSIGN_OR_RETURN(bool have, blobs_.Exists(d));
  if (!have) return NotFound("blob " + d.str() + " not found");
  return blobs_.PresignDownload(d, ttl_);
}

Status ArtifactService::StageSigned(const std::string& digest, const std::string& expires,
                                    const std::string& signature, std::string_view bytes) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  AETHER_RETURN_IF_ERROR(signer_.Verify("PUT", d.str(), expires, signature, std::time(nullptr)));
  return blobs_.StageUpload(d, bytes);
}

Result<std::string> ArtifactService::ReadSigned(const std::string& digest,
                                                const std::string& expires,
                                                const std::string& signature) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  AETHER_RETURN_IF_ERROR(signer_.Verify("GET", d.str(), expires, signature, std::time(nullptr)));
  return blobs_.ReadAll(d);
}

Result<long long> ArtifactService::Complete(const std::string& digest, long long size) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  return blobs_.CompleteUpload(d, size);
}

Result<UploadPlan> ArtifactService::CreateUpload(const std::string& digest, long long size) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  UploadPlan plan;
  AETHER_ASSIGN_OR_RETURN(plan.upload_id, blobs_.CreateMultipart(d, size, part_size_));
  plan.part_size = part_size_;
  AETHER_ASSIGN_OR_RETURN(int count, multipart::PartCount(size, part_size_));
  for (int n = 1; n <= count; ++n) {
    auto url = blobs_.PresignPart(plan.upload_id, n, ttl_);
    if (!url.ok()) {
      (void)blobs_.AbortMultipart(plan.upload_id);
      return url.status();
    }
    plan.parts.push_back(std::move(url).value());
  }
  return plan;
}

Result<std::string> ArtifactService::StagePartSigned(const std::string& upload_id,
                                                     const std::string& part,
                                                     const std::string& expires,
                                                     const std::string& signature,
                                                     std::string_view bytes) {
  int number = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), number);
  if (ec != std::errc() || end != part.data() + part.size()) {
    return InvalidArgument("part number must be an integer, not '" + part + "'");
  }
  AETHER_RETURN_IF_ERROR(signer_.Verify("PUT", multipart::PartResource(upload_id, number), expires,
                                        signature, std::time(nullptr)));
  return blobs_.StagePart(upload_id, number, bytes);
}

Result<std::pair<Digest, long long>> ArtifactService::CompleteUpload(
    const std::string& upload_id, const std::vector<UploadPart>& parts) {
  return blobs_.CompleteMultipart(upload_id, parts);
}

Status ArtifactService::AbortUpload(const std::string& upload_id) {
  return blobs_.AbortMultipart(upload_id);
}

Result<ArtifactRecord> ArtifactService::Register(const std::string& app,
                                                 const std::string& manifest_bytes,
                                                 const Evidence& evidence) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  Digest digest = crypto::Sha256Digest(manifest_bytes);
  if (!evidence.digest.empty() && evidence.digest != digest.str()) {
    return Status(ErrorCode::kDigestMismatch, "the manifest hashes to " + digest.str() +
                                                  ", the client computed " + evidence.digest +
                                                  ": it changed on the way");
  }
  AETHER_ASSIGN_OR_RETURN(artifact::Manifest m, artifact::ParseManifest(manifest_bytes));
  if (!m.app.empty() && m.app != app) {
    return InvalidArgument("manifest is for app '" + m.app + "', not '" + app + "'");
  }
  long long total = 0;
  for (const auto& layer : m.layers) {
    // The blob store checked each layer when its upload completed (re-hashed on fs; on S3 by
    // size and x-amz-meta-sha256, and re-hashed up to AETHER_S3_VERIFY_MAX_BYTES); the agent
    // re-hashes every layer again before it unpacks it.
    auto size = blobs_.Size(layer.digest);
    if (!size.ok()) {
      return FailedPrecondition("layer " + layer.digest.str() +
                                " has not been uploaded; upload it before registering");
    }
    if (*size != layer.size) {
      return InvalidArgument("layer " + layer.digest.str() + " is " + std::to_string(*size) +
                             " bytes, the manifest says " + std::to_string(layer.size));
    }
    total += *size;
  }
  if (policy_.runtime) AETHER_RETURN_IF_ERROR(artifact::CheckNativePlatform(m, *policy_.runtime));
  auto existing = store_.GetArtifact(app, digest.str());
  if (!existing.ok() && existing.status().code() != ErrorCode::kNotFound) return existing.status();
  if (!existing.ok()) {
    AETHER_ASSIGN_OR_RETURN(ArtifactUsage usage, store_.GetArtifactUsage(app));
    AETHER_RETURN_IF_ERROR(CheckQuota(policy_.limits, app, usage, total));
  }
  ArtifactRecord rec;
  rec.digest = digest.str();
  rec.app = app;
  rec.manifest = manifest_bytes;
  rec.size = total;
  rec.created_at = NowRfc3339();
  for (const auto& layer : m.layers) rec.layers.push_back(layer.digest.str());
  AETHER_ASSIGN_OR_RETURN(std::vector<PublicKey> keys, store_.ListPublicKeys(app));
  AETHER_RETURN_IF_ERROR(VerifyEvidence(policy_, keys, digest, evidence, &rec));
  AETHER_RETURN_IF_ERROR(store_.PutArtifact(rec));
  // Retention failing (e.g. a blob that will not delete) must not fail the registration.
  (void)ApplyRetention(store_, blobs_, policy_.limits, app);
  return store_.GetArtifact(app, rec.digest);
}

Result<ArtifactRecord> ArtifactService::Get(const std::string& app, const std::string& digest) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  AETHER_RETURN_IF_ERROR(store_.GetApp(app).status());
  return store_.GetArtifact(app, d.str());
}

Result<Page<ArtifactRecord>> ArtifactService::List(const std::string& app,
                                                   const PageRequest& page) {
  AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  return store_.ListArtifacts(app, page);
}

Result<ArtifactRecord> ArtifactService::Find(const std::string& digest) {
  AETHER_ASSIGN_OR_RETURN(Digest d, Digest::Parse(digest));
  return store_.FindArtifact(d.str());
}

}  // namespace aether
