// Filesystem BlobStore: atomic temp-file + rename writes, re-hash on complete. Multipart
// uploads keep their bookkeeping in memory and their parts in <root>/uploads/<id>/<n>.
#include "aether/blob/fs/fs_blob_store.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "aether/blob/multipart.h"
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

  Result<std::string> CreateMultipart(const Digest& d, long long size,
                                      long long part_size) override {
    AETHER_ASSIGN_OR_RETURN(int count, multipart::PartCount(size, part_size));
    std::string id = multipart::NewUploadId();
    std::error_code ec;
    fs::create_directories(UploadDir(id), ec);
    if (ec) return Internal("cannot create upload " + id + ": " + ec.message());
    std::lock_guard lock(mu_);
    uploads_.emplace(id, Upload{d, size, part_size, std::vector<std::string>(count)});
    return id;
  }

  Result<PresignedUrl> PresignPart(const std::string& id, int number,
                                   std::chrono::seconds ttl) override {
    std::lock_guard lock(mu_);
    AETHER_RETURN_IF_ERROR(FindPart(id, number).status());
    return signer_.Presign("PUT", multipart::PartResource(id, number), ttl);
  }

  Result<std::string> StagePart(const std::string& id, int number,
                                std::string_view bytes) override {
    {
      std::lock_guard lock(mu_);
      AETHER_ASSIGN_OR_RETURN(Upload * u, FindPart(id, number));
      long long want = multipart::PartLength(u->size, u->part_size, number);
      if (static_cast<long long>(bytes.size()) != want) {
        return InvalidArgument("part " + std::to_string(number) + " must be " +
                               std::to_string(want) + " bytes, got " +
                               std::to_string(bytes.size()));
      }
    }
    fs::path part = UploadDir(id) / std::to_string(number);
    AETHER_RETURN_IF_ERROR(WriteAtomically(part, bytes));
    std::string etag = crypto::Sha256Hex(bytes);
    std::lock_guard lock(mu_);
    auto it = uploads_.find(id);
    if (it == uploads_.end()) {  // aborted or completed meanwhile
      std::error_code ec;
      fs::remove(part, ec);
      return NotFound("upload " + id + " not found");
    }
    it->second.etags[number - 1] = etag;
    return etag;
  }

  Result<std::pair<Digest, long long>> CompleteMultipart(
      const std::string& id, const std::vector<UploadPart>& parts) override {
    Upload up;
    {
      std::lock_guard lock(mu_);
      auto it = uploads_.find(id);
      if (it == uploads_.end()) return NotFound("upload " + id + " not found");
      AETHER_RETURN_IF_ERROR(multipart::CheckParts(parts, it->second.etags).status());
      up = std::move(it->second);
      uploads_.erase(it);
    }
    Status st = Assemble(id, up);
    std::error_code ec;
    fs::remove_all(UploadDir(id), ec);
    if (!st.ok()) return st;
    return std::make_pair(*up.digest, up.size);
  }

  Status AbortMultipart(const std::string& id) override {
    {
      std::lock_guard lock(mu_);
      if (uploads_.erase(id) == 0) return NotFound("upload " + id + " not found");
    }
    std::error_code ec;
    fs::remove_all(UploadDir(id), ec);
    return Status::Ok();
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

  // Staged files and multipart directories whose last write is at least `max_age` old.
  Result<int> CollectStaleUploads(std::chrono::seconds max_age) override {
    const auto cutoff = fs::file_time_type::clock::now() - max_age;
    int dropped = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ / "uploads", ec)) {
      std::error_code io;
      auto written = fs::last_write_time(e.path(), io);
      if (io || written > cutoff) continue;
      {
        std::lock_guard lock(mu_);
        uploads_.erase(e.path().filename().string());
      }
      fs::remove_all(e.path(), io);
      if (!io) ++dropped;
    }
    if (ec) return Internal("cannot list " + (root_ / "uploads").string() + ": " + ec.message());
    return dropped;
  }

 private:
  fs::path BlobPath(const Digest& d) const { return root_ / "sha256" / std::string(d.hex()); }
  fs::path StagedPath(const Digest& d) const { return root_ / "uploads" / std::string(d.hex()); }
  fs::path UploadDir(const std::string& id) const { return root_ / "uploads" / id; }

  struct Upload {
    std::optional<Digest> digest;
    long long size = 0;
    long long part_size = 0;
    std::vector<std::string> etags;  // of part n at [n-1]; "" until uploaded
  };

  // Requires mu_. kNotFound for an unknown upload, kInvalidArgument for a bad part number.
  Result<Upload*> FindPart(const std::string& id, int number) {
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return NotFound("upload " + id + " not found");
    if (number < 1 || number > static_cast<int>(it->second.etags.size())) {
      return InvalidArgument("part " + std::to_string(number) + " is out of range");
    }
    return &it->second;
  }

  // Streams the parts of `up`, in order, through sha256 into a temp file and publishes it
  // when the hash matches; a mismatch publishes nothing.
  Status Assemble(const std::string& id, const Upload& up) {
    const Digest& want = *up.digest;
    fs::path tmp = UploadDir(id) / "assembled";
    crypto::Sha256 hasher;
    std::string buf(1 << 20, '\0');
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      for (size_t n = 1; n <= up.etags.size(); ++n) {
        fs::path part = UploadDir(id) / std::to_string(n);
        std::ifstream in(part, std::ios::binary);
        if (!in) return Internal("cannot read " + part.string());
        while (in) {
          in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
          std::string_view got(buf.data(), static_cast<size_t>(in.gcount()));
          hasher.Update(got);
          out.write(got.data(), static_cast<std::streamsize>(got.size()));
        }
        if (in.bad()) return Internal("cannot read " + part.string());
      }
      if (!out.flush()) return Internal("cannot write " + tmp.string());
    }
    Digest actual = Digest::FromHex(hasher.FinishHex());
    if (actual != want) {
      return Status(ErrorCode::kDigestMismatch,
                    "uploaded parts hash to " + actual.str() + ", not " + want.str());
    }
    std::error_code ec;
    fs::rename(tmp, BlobPath(want), ec);
    if (ec) return Internal("cannot publish blob " + want.str() + ": " + ec.message());
    return Status::Ok();
  }

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
  std::mutex mu_;
  std::map<std::string, Upload> uploads_;
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
    fs::remove_all(e.path(), rm);
  }
  return std::unique_ptr<BlobStore>(std::make_unique<FsBlobStore>(root, std::move(signer)));
}

}  // namespace aether
