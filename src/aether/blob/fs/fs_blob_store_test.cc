// The BlobStore contract against the filesystem implementation, plus restart behaviour.
#include "aether/blob/fs/fs_blob_store.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "aether/blob/blob_contract.h"

namespace aether {

std::string FreshDir() {
  static std::atomic<int> n{0};
  auto dir =
      ::testing::TempDir() + "/fsblob-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  std::filesystem::remove_all(dir);
  return dir;
}

std::unique_ptr<BlobStore> OpenFs(const std::string& dir) {
  auto s = OpenFsBlobStore(dir, UrlSigner("k"));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

namespace {

TEST(FsBlobStore, StaleUploadsAreDroppedOnOpenAndBlobsPersist) {
  auto dir = FreshDir();
  std::string bytes = "kept";
  Digest d = crypto::Sha256Digest(bytes);
  Digest staged = crypto::Sha256Digest("staged");
  {
    auto s = OpenFs(dir);
    ASSERT_TRUE(s->StageUpload(d, bytes).ok());
    ASSERT_TRUE(s->CompleteUpload(d, -1).ok());
    ASSERT_TRUE(s->StageUpload(staged, "staged").ok());
  }
  auto s = OpenFs(dir);
  EXPECT_EQ(*s->ReadAll(d), bytes);
  EXPECT_EQ(s->CompleteUpload(staged, -1).status().code(), ErrorCode::kNotFound);
}

bool UploadsEmpty(const std::string& dir) {
  return std::filesystem::is_empty(std::filesystem::path(dir) / "uploads");
}

TEST(FsBlobStore, MultipartPartsLiveOnDiskUntilCompleteOrAbort) {
  auto dir = FreshDir();
  auto s = OpenFs(dir);
  std::string bytes = "abcdefghij";
  Digest d = crypto::Sha256Digest(bytes);
  auto id = s->CreateMultipart(d, 10, 4);
  ASSERT_TRUE(id.ok());
  auto e1 = s->StagePart(*id, 1, "abcd");
  ASSERT_TRUE(e1.ok());
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) / "uploads" / *id / "1"));
  ASSERT_TRUE(s->AbortMultipart(*id).ok());
  EXPECT_TRUE(UploadsEmpty(dir));

  id = s->CreateMultipart(d, 10, 4);
  ASSERT_TRUE(id.ok());
  std::vector<UploadPart> parts;
  for (int n = 1; n <= 3; ++n) {
    auto etag =
        s->StagePart(*id, n, std::string_view(bytes).substr(static_cast<size_t>(n - 1) * 4, 4));
    ASSERT_TRUE(etag.ok());
    parts.push_back({n, *etag});
  }
  ASSERT_TRUE(s->CompleteMultipart(*id, parts).ok());
  EXPECT_TRUE(UploadsEmpty(dir));
  EXPECT_EQ(*s->ReadAll(d), bytes);

  id = s->CreateMultipart(crypto::Sha256Digest("other"), 2, 4);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(s->StagePart(*id, 1, "xy").ok());
  s = OpenFs(dir);  // a restart drops unfinished uploads
  EXPECT_TRUE(UploadsEmpty(dir));
  EXPECT_EQ(s->AbortMultipart(*id).code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aether

AETHER_BLOB_CONTRACT(Fs, [] { return aether::OpenFs(aether::FreshDir()); });
