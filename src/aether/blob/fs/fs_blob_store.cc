// Filesystem BlobStore: atomic temp-file + rename writes, re-hash on complete.
#include "aether/blob/fs/fs_blob_store.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aether/crypto/crypto.h"

namespace aether {
namespace {

namespace fs = std::filesystem;

class FsBlobStore final : public BlobStore {
 public:
  FsBlobStore(fs::path root, UrlSigner signer)
      : root_(std::move(root)), signer_(std::move(signer)) {}

  Status Ping() override {
    std::error_code ec;
    if (!fs::is_directory(root_ / "sha256", ec))
      return Unavailable("blob dir missing: " + root_.string());
    return Status::Ok();
  }

  Result<bool> Exists(const Digest& d) override {
    std::error_code ec;
    return fs::exists(BlobPath(d), ec);
  }

  Result<long long> Size(const Digest& d) override {
    std::error_code ec;
    auto size = fs::file_size(BlobPath(d), ec);
    if (ec) return NotFound("blob " + d.str() + " not found");
    return static_cast<long long>(size);
  }

  Result<PresignedUrl> PresignUpload(const Digest& d, long long /*size*/,
                                     std::chrono::seconds ttl) override {
    return signer_.Presign("PUT", d.str(), ttl);
  }

  Result<PresignedUrl> PresignDownload(const Digest& d, std::chrono::seconds ttl) override {
    return signer_.Presign("GET", d.str(), ttl);
  }

  Status StageUpload(const Digest& d, std::string_view bytes) override {
    return WriteAtomically(StagedPath(d), bytes);
  }

  Result<long long> CompleteUpload(const Digest& d, long long expected_size) override {
    std::error_code ec;
    if (fs::exists(BlobPath(d), ec)) {
      fs::remove(StagedPath(d), ec);
      return Size(d);
    }
    fs::path staged = StagedPath(d);
    if (!fs::exists(staged, ec)) return NotFound("nothing was uploaded for " + d.str());
    long long size = 0;
    auto actual = crypto::Sha256File(staged.string(), &size);
    if (!actual.ok()) return actual.status();
    if (expected_size >= 0 && size != expected_size) {
      fs::remove(staged, ec);
      return Status(
          ErrorCode::kDigestMismatch,
          "uploaded " + std::to_string(size) + " bytes, expected " + std::to_string(expected_size));
    }
    if (*actual != d) {
      fs::remove(staged, ec);
      return Status(ErrorCode::kDigestMismatch,
                    "uploaded bytes hash to " + actual->str() + ", not " + d.str());
    }
    fs::rename(staged, BlobPath(d), ec);
    if (ec) return Internal("cannot publish blob " + d.str() + ": " + ec.message());
    return size;
  }

  Result<std::string> ReadAll(const Digest& d) override {
    std::ifstream in(BlobPath(d), std::ios::binary);
    if (!in) return NotFound("blob " + d.str() + " not found");
    std::ostringstream out;
    out << in.rdbuf();
    return std::move(out).str();
  }

  Status Delete(const Digest& d) override {
    std::error_code ec;
    fs::remove(BlobPath(d), ec);
    if (ec) return Internal("cannot delete blob " + d.str() + ": " + ec.message());
    return Status::Ok();
  }

 private:
  fs::path BlobPath(const Digest& d) const { return root_ / "sha256" / std::string(d.hex()); }
  fs::path StagedPath(const Digest& d) const { return root_ / "uploads" / std::string(d.hex()); }

  Status WriteAtomically(const fs::path& path, std::string_view bytes) {
    fs::path tmp = path;
    tmp += ".tmp-" + crypto::RandomHex(6);
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out.flush()) {
        std::error_code ec;
        fs::remove(tmp, ec);
        return Internal("cannot write " + tmp.string());
      }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) return Internal("cannot rename " + tmp.string() + ": " + ec.message());
    return Status::Ok();
  }

  fs::path root_;
  UrlSigner signer_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenFsBlobStore(const std::string& root, UrlSigner signer) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / "sha256", ec);
  if (!ec) fs::create_directories(fs::path(root) / "uploads", ec);
  if (ec) return Unavailable("cannot create blob store at " + root + ": " + ec.message());
  // Staged uploads from a previous run were never completed: drop them.
  for (const auto& e : fs::directory_iterator(fs::path(root) / "uploads", ec)) {
    std::error_code rm;
    fs::remove(e.path(), rm);
  }
  return std::unique_ptr<BlobStore>(std::make_unique<FsBlobStore>(root, std::move(signer)));
}

}  // namespace aether
