// The in-memory BlobStore fake: maps of staged, multipart and published bytes under one mutex.
#include <map>
#include <mutex>

#include "aether/blob/blob_store.h"
#include "aether/blob/multipart.h"
#include "aether/crypto/crypto.h"

namespace aether {
namespace {

class MemoryBlobStore final : public BlobStore {
 public:
  explicit MemoryBlobStore(UrlSigner signer) : signer_(std::move(signer)) {}

  Status Ping() override { return Status::Ok(); }

  Result<bool> Exists(const Digest& d) override {
    std::lock_guard lock(mu_);
    return blobs_.contains(d.str());
  }

  Result<long long> Size(const Digest& d) override {
    std::lock_guard lock(mu_);
    auto it = blobs_.find(d.str());
    if (it == blobs_.end()) return NotFound("blob " + d.str() + " not found");
    return static_cast<long long>(it->second.size());
  }

  Result<PresignedUrl> PresignUpload(const Digest& d, long long /*size*/,
                                     std::chrono::seconds ttl) override {
    return signer_.Presign("PUT", d.str(), ttl);
  }

  Result<PresignedUrl> PresignDownload(const Digest& d, std::chrono::seconds ttl) override {
    return signer_.Presign("GET", d.str(), ttl);
  }

  Status StageUpload(const Digest& d, std::string_view bytes) override {
    std::lock_guard lock(mu_);
    staged_[d.str()] = {std::string(bytes), Clock::now()};
    return Status::Ok();
  }

  Result<long long> CompleteUpload(const Digest& d, long long expected_size) override {
    std::lock_guard lock(mu_);
    if (auto it = blobs_.find(d.str()); it != blobs_.end()) {
      return static_cast<long long>(it->second.size());
    }
    auto it = staged_.find(d.str());
    if (it == staged_.end()) return NotFound("nothing was uploaded for " + d.str());
    std::string bytes = std::move(it->second.bytes);
    staged_.erase(it);
    auto size = static_cast<long long>(bytes.size());
    if (expected_size >= 0 && size != expected_size) {
      return Status(
          ErrorCode::kDigestMismatch,
          "uploaded " + std::to_string(size) + " bytes, expected " + std::to_string(expected_size));
    }
    Digest actual = crypto::Sha256Digest(bytes);
    if (actual != d) {
      return Status(ErrorCode::kDigestMismatch,
                    "uploaded bytes hash to " + actual.str() + ", not " + d.str());
    }
    blobs_[d.str()] = std::move(bytes);
    return size;
  }

  Result<std::string> CreateMultipart(const Digest& d, long long size,
                                      long long part_size) override {
    AETHER_ASSIGN_OR_RETURN(int count, multipart::PartCount(size, part_size));
    std::string id = multipart::NewUploadId();
    std::lock_guard lock(mu_);
    uploads_.emplace(id, Upload{d, size, part_size, std::vector<std::string>(count),
                                std::vector<std::string>(count), Clock::now()});
    return id;
  }

  Result<PresignedUrl> PresignPart(const std::string& id, int number,
                                   std::chrono::seconds ttl) override {
    std::lock_guard lock(mu_);
    AETHER_ASSIGN_OR_RETURN(Upload * u, Find(id));
    if (number < 1 || number > static_cast<int>(u->parts.size())) {
      return InvalidArgument("part " + std::to_string(number) + " is out of range");
    }
    return signer_.Presign("PUT", multipart::PartResource(id, number), ttl);
  }

  Result<std::string> StagePart(const std::string& id, int number,
                                std::string_view bytes) override {
    std::lock_guard lock(mu_);
    AETHER_ASSIGN_OR_RETURN(Upload * u, Find(id));
    if (number < 1 || number > static_cast<int>(u->parts.size())) {
      return InvalidArgument("part " + std::to_string(number) + " is out of range");
    }
    long long want = multipart::PartLength(u->size, u->part_size, number);
    if (static_cast<long long>(bytes.size()) != want) {
      return InvalidArgument("part " + std::to_string(number) + " must be " + std::to_string(want) +
                             " bytes, got " + std::to_string(bytes.size()));
    }
    u->parts[number - 1] = std::string(bytes);
    u->touched = Clock::now();
    u->etags[number - 1] = crypto::Sha256Hex(bytes);
    return u->etags[number - 1];
  }

  Result<std::pair<Digest, long long>> CompleteMultipart(
      const std::string& id, const std::vector<UploadPart>& parts) override {
    std::lock_guard lock(mu_);
    AETHER_ASSIGN_OR_RETURN(Upload * u, Find(id));
    AETHER_RETURN_IF_ERROR(multipart::CheckParts(parts, u->etags).status());
    Upload up = std::move(*u);
    uploads_.erase(id);
    std::string bytes;
    for (const auto& p : up.parts) bytes += p;
    Digest actual = crypto::Sha256Digest(bytes);
    if (actual != up.digest) {
      return Status(ErrorCode::kDigestMismatch,
                    "uploaded parts hash to " + actual.str() + ", not " + up.digest.str());
    }
    blobs_[up.digest.str()] = std::move(bytes);
    return std::make_pair(up.digest, up.size);
  }

  Status AbortMultipart(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (uploads_.erase(id) == 0) return NotFound("upload " + id + " not found");
    return Status::Ok();
  }

  Result<std::string> ReadAll(const Digest& d) override {
    std::lock_guard lock(mu_);
    auto it = blobs_.find(d.str());
    if (it == blobs_.end()) return NotFound("blob " + d.str() + " not found");
    return it->second;
  }

  Status Delete(const Digest& d) override {
    std::lock_guard lock(mu_);
    blobs_.erase(d.str());
    return Status::Ok();
  }

  Result<int> CollectStaleUploads(std::chrono::seconds max_age) override {
    const auto cutoff = Clock::now() - max_age;
    std::lock_guard lock(mu_);
    return static_cast<int>(
        std::erase_if(staged_, [&](const auto& s) { return s.second.touched <= cutoff; }) +
        std::erase_if(uploads_, [&](const auto& u) { return u.second.touched <= cutoff; }));
  }

 private:
  using Clock = std::chrono::steady_clock;

  struct Staged {
    std::string bytes;
    Clock::time_point touched;
  };

  struct Upload {
    Digest digest;
    long long size;
    long long part_size;
    std::vector<std::string> parts;  // bytes of part n at [n-1]
    std::vector<std::string> etags;  // "" until uploaded
    Clock::time_point touched;       // created, or its last part staged
  };

  // Requires mu_.
  Result<Upload*> Find(const std::string& id) {
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return NotFound("upload " + id + " not found");
    return &it->second;
  }

  UrlSigner signer_;
  std::mutex mu_;
  std::map<std::string, Upload> uploads_;
  std::map<std::string, std::string> blobs_;
  std::map<std::string, Staged> staged_;
};

}  // namespace

std::unique_ptr<BlobStore> NewMemoryBlobStore(UrlSigner signer) {
  return std::make_unique<MemoryBlobStore>(std::move(signer));
}

}  // namespace aether
