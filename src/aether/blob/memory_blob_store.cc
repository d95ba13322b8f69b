// The in-memory BlobStore fake: maps of staged and published bytes under one mutex.
#include <map>
#include <mutex>

#include "aether/blob/blob_store.h"
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
    staged_[d.str()] = std::string(bytes);
    return Status::Ok();
  }

  Result<long long> CompleteUpload(const Digest& d, long long expected_size) override {
    std::lock_guard lock(mu_);
    if (auto it = blobs_.find(d.str()); it != blobs_.end()) {
      return static_cast<long long>(it->second.size());
    }
    auto it = staged_.find(d.str());
    if (it == staged_.end()) return NotFound("nothing was uploaded for " + d.str());
    std::string bytes = std::move(it->second);
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

 private:
  UrlSigner signer_;
  std::mutex mu_;
  std::map<std::string, std::string> blobs_;
  std::map<std::string, std::string> staged_;
};

}  // namespace

std::unique_ptr<BlobStore> NewMemoryBlobStore(UrlSigner signer) {
  return std::make_unique<MemoryBlobStore>(std::move(signer));
}

}  // namespace aether
