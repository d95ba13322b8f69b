// The BlobStore contract suite: every implementation instantiates it with a factory
// (AETHER_BLOB_CONTRACT(Name, factory), or AETHER_BLOB_CONTRACT_BACKEND(Name, BlobBackend{…})
// for a store with a minimum part size or one where verified uploads land in place, like
// S3). Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

#include "aether/blob/blob_store.h"
#include "aether/crypto/crypto.h"

namespace aether::contract {

using BlobFactory = std::function<std::unique_ptr<BlobStore>()>;

struct BlobBackend {
  BlobFactory make;
  long long part_size = 8;  // the multipart tests upload 2.5 parts of this size
  // The store checks a single upload against its digest as it arrives (S3 checks the signed
  // x-amz-content-sha256), refusing a wrong body at once and publishing a right one before
  // `complete`, which then only re-checks it.
  bool verifies_on_arrival = false;
};

// Test names stay stable (gtest would otherwise print the struct's bytes).
inline void PrintTo(const BlobBackend& b, std::ostream* os) {
  *os << "parts of " << b.part_size << " bytes";
}

class BlobContract : public ::testing::TestWithParam<BlobBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
    part_ = GetParam().part_size;
    bytes_.resize(static_cast<size_t>(part_ * 5 / 2));
    for (size_t i = 0; i < bytes_.size(); ++i) {  // no two parts alike (nor their ETags)
      bytes_[i] = "0123456789abcdefghij"[(i + i / static_cast<size_t>(part_)) % 20];
    }
  }
  BlobStore& store() { return *store_; }
  // 2.5 parts: parts 1 and 2 are full, part 3 is half a part.
  std::string_view bytes() const { return bytes_; }
  bool verifies_on_arrival() const { return GetParam().verifies_on_arrival; }
  long long size() const { return static_cast<long long>(bytes_.size()); }
  long long part() const { return part_; }
  std::string_view Part(int n) const {
    return std::string_view(bytes_).substr(static_cast<size_t>((n - 1) * part_),
                                           static_cast<size_t>(part_));
  }

 private:
  std::unique_ptr<BlobStore> store_;
  long long part_ = 8;
  std::string bytes_;
};

TEST_P(BlobContract, StageCompleteRead) {
  std::string bytes = "layer bytes";
  Digest d = crypto::Sha256Digest(bytes);
  EXPECT_TRUE(store().Ping().ok());
  EXPECT_FALSE(*store().Exists(d));
  EXPECT_EQ(store().CompleteUpload(d, -1).status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().StageUpload(d, bytes).ok());
  if (!verifies_on_arrival()) {
    EXPECT_FALSE(*store().Exists(d)) << "staged bytes must not be visible before complete";
  }
  auto size = store().CompleteUpload(d, static_cast<long long>(bytes.size()));
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 11);
  EXPECT_TRUE(*store().Exists(d));
  EXPECT_EQ(*store().Size(d), 11);
  EXPECT_EQ(*store().ReadAll(d), bytes);
  EXPECT_TRUE(store().CompleteUpload(d, -1).ok()) << "completing twice is idempotent";
  ASSERT_TRUE(store().Delete(d).ok());
  EXPECT_FALSE(*store().Exists(d));
}

TEST_P(BlobContract, MismatchIsRejectedAndDiscarded) {
  Digest claimed = crypto::Sha256Digest("what the client promised");
  Status staged = store().StageUpload(claimed, "something else");
  if (verifies_on_arrival()) {
    EXPECT_EQ(staged.code(), ErrorCode::kDigestMismatch) << "refused as it arrives";
  } else {
    ASSERT_TRUE(staged.ok()) << staged.ToString();
    EXPECT_EQ(store().CompleteUpload(claimed, -1).status().code(), ErrorCode::kDigestMismatch);
  }
  EXPECT_FALSE(*store().Exists(claimed));
  EXPECT_EQ(store().CompleteUpload(claimed, -1).status().code(), ErrorCode::kNotFound)
      << "the staged bytes were discarded";
  std::string ok = "right bytes";
  Digest d = crypto::Sha256Digest(ok);
  ASSERT_TRUE(store().StageUpload(d, ok).ok());
  EXPECT_EQ(store().CompleteUpload(d, 3).status().code(), ErrorCode::kDigestMismatch);
}

TEST_P(BlobContract, PresignedUrlsNameMethodDigestAndExpiry) {
  Digest d = crypto::Sha256Digest("x");
  auto put = store().PresignUpload(d, 1, std::chrono::seconds(60));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->method, "PUT");
  EXPECT_NE(put->url.find(std::string(d.hex())), std::string::npos);
  EXPECT_GT(put->expires_at, 0);
  auto get = store().PresignDownload(d, std::chrono::seconds(60));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->method, "GET");
  EXPECT_NE(get->url, put->url);
  EXPECT_EQ(store().ReadAll(d).status().code(), ErrorCode::kNotFound);
}

TEST_P(BlobContract, MultipartOutOfOrderPartsAreJoinedInOrder) {
  Digest d = crypto::Sha256Digest(bytes());
  auto id = store().CreateMultipart(d, size(), part());
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto url = store().PresignPart(*id, 2, std::chrono::seconds(60));
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->method, "PUT");
  const bool aetherd_url = url->url.find("/blobs/uploads/" + *id + "/2?") != std::string::npos;
  const bool s3_url = url->url.find("partNumber=2&") != std::string::npos;
  EXPECT_TRUE(aetherd_url || s3_url) << url->url;
  EXPECT_EQ(store().PresignPart(*id, 4, std::chrono::seconds(60)).status().code(),
            ErrorCode::kInvalidArgument);
  std::vector<UploadPart> parts;
  for (int n : {3, 1, 2}) {
    auto etag = store().StagePart(*id, n, Part(n));
    ASSERT_TRUE(etag.ok()) << etag.status().ToString();
    EXPECT_FALSE(etag->empty());
    parts.push_back({n, *etag});
  }
  EXPECT_FALSE(*store().Exists(d)) << "parts must not be visible before complete";
  auto done = store().CompleteMultipart(*id, parts);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->first, d);
  EXPECT_EQ(done->second, size());
  EXPECT_EQ(*store().ReadAll(d), bytes());
  EXPECT_EQ(store().CompleteMultipart(*id, parts).status().code(), ErrorCode::kNotFound)
      << "a completed upload is gone";
}

TEST_P(BlobContract, MultipartRefusesBadSizes) {
  Digest d = crypto::Sha256Digest(bytes());
  EXPECT_EQ(store().CreateMultipart(d, size(), 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().CreateMultipart(d, -1, part()).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().CreateMultipart(d, 10001 * part(), part()).status().code(),
            ErrorCode::kInvalidArgument);
  auto id = store().CreateMultipart(d, size(), part());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(store().StagePart(*id, 3, Part(1)).status().code(), ErrorCode::kInvalidArgument)
      << "part 3 is half a part";
  EXPECT_EQ(store().StagePart(*id, 0, Part(1)).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().StagePart("up_nope", 1, Part(1)).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store().AbortMultipart(*id).ok());
}

TEST_P(BlobContract, MultipartMismatchLeavesNothingBehind) {
  Digest d = crypto::Sha256Digest(bytes());
  auto id = store().CreateMultipart(d, size(), part());
  ASSERT_TRUE(id.ok());
  std::string tampered(bytes());
  tampered[static_cast<size_t>(part()) + 1] = 'X';  // inside part 2, same length
  std::vector<UploadPart> parts;
  for (int n = 1; n <= 3; ++n) {
    auto etag =
        store().StagePart(*id, n,
                          std::string_view(tampered).substr(static_cast<size_t>((n - 1) * part()),
                                                            static_cast<size_t>(part())));
    ASSERT_TRUE(etag.ok());
    parts.push_back({n, *etag});
  }
  EXPECT_EQ(store().CompleteMultipart(*id, parts).status().code(), ErrorCode::kDigestMismatch);
  EXPECT_FALSE(*store().Exists(d));
  EXPECT_EQ(store().CompleteMultipart(*id, parts).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().AbortMultipart(*id).code(), ErrorCode::kNotFound);
}

TEST_P(BlobContract, MultipartMissingOrWrongPartsAreRefusedThenAbort) {
  Digest d = crypto::Sha256Digest(bytes());
  auto id = store().CreateMultipart(d, size(), part());
  ASSERT_TRUE(id.ok());
  auto e1 = store().StagePart(*id, 1, Part(1));
  auto e3 = store().StagePart(*id, 3, Part(3));
  ASSERT_TRUE(e1.ok() && e3.ok());
  auto complete = [&](const std::vector<UploadPart>& parts) {
    return store().CompleteMultipart(*id, parts).status().code();
  };
  EXPECT_EQ(complete({{1, *e1}, {3, *e3}}), ErrorCode::kInvalidArgument) << "part 2 not listed";
  EXPECT_EQ(complete({{1, *e1}, {2, *e1}, {3, *e3}}), ErrorCode::kInvalidArgument)
      << "part 2 never uploaded";
  auto e2 = store().StagePart(*id, 2, Part(2));
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(complete({{1, *e2}, {2, *e2}, {3, *e3}}), ErrorCode::kInvalidArgument) << "bad ETag";
  EXPECT_EQ(complete({{1, *e1}, {2, *e2}, {3, *e3}, {4, *e3}}), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(*store().Exists(d));
  ASSERT_TRUE(store().AbortMultipart(*id).ok());
  EXPECT_EQ(complete({{1, *e1}, {2, *e2}, {3, *e3}}), ErrorCode::kNotFound);
  EXPECT_EQ(store().StagePart(*id, 2, Part(2)).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(*store().Exists(d));
}

TEST_P(BlobContract, MultipartOfAnEmptyBlobHasOneEmptyPart) {
  Digest d = crypto::Sha256Digest("");
  auto id = store().CreateMultipart(d, 0, part());
  ASSERT_TRUE(id.ok());
  auto etag = store().StagePart(*id, 1, "");
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  auto done = store().CompleteMultipart(*id, {{1, *etag}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->second, 0);
  EXPECT_EQ(*store().ReadAll(d), "");
}

TEST_P(BlobContract, StaleUploadsAreCollectedAndPublishedBlobsKept) {
  std::string kept = "published";
  Digest published = crypto::Sha256Digest(kept);
  ASSERT_TRUE(store().StageUpload(published, kept).ok());
  ASSERT_TRUE(store().CompleteUpload(published, -1).ok());
  std::string staged = "staged, never completed";
  Digest d = crypto::Sha256Digest(staged);
  ASSERT_TRUE(store().StageUpload(d, staged).ok());
  Digest big = crypto::Sha256Digest(bytes());
  auto id = store().CreateMultipart(big, size(), part());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(store().StagePart(*id, 1, Part(1)).ok());
  auto none = store().CollectStaleUploads(std::chrono::hours(1));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0) << "young uploads are left alone";
  auto dropped = store().CollectStaleUploads(std::chrono::seconds(0));
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  if (verifies_on_arrival()) {  // the single upload is already in place, checked
    EXPECT_EQ(*dropped, 1);
    EXPECT_TRUE(store().CompleteUpload(d, -1).ok());
  } else {
    EXPECT_EQ(*dropped, 2);
    EXPECT_EQ(store().CompleteUpload(d, -1).status().code(), ErrorCode::kNotFound);
  }
  EXPECT_EQ(store().StagePart(*id, 2, Part(2)).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*store().ReadAll(published), kept);
}

}  // namespace aether::contract

#define AETHER_BLOB_CONTRACT_BACKEND(name, backend)                          \
  namespace aether::contract {                                               \
  INSTANTIATE_TEST_SUITE_P(name, BlobContract, ::testing::Values(backend),   \
                           [](const auto&) { return std::string("impl"); }); \
  }
#define AETHER_BLOB_CONTRACT(name, factory) \
  AETHER_BLOB_CONTRACT_BACKEND(name, (BlobBackend{BlobFactory(factory)}))
