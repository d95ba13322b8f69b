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

}  // namespace
}  // namespace aether

AETHER_BLOB_CONTRACT(Fs, [] { return aether::OpenFs(aether::FreshDir()); });
