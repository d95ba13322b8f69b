// The BlobStore contract suite: every implementation instantiates it with a factory
// (AETHER_BLOB_CONTRACT(Name, factory)). Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "aether/blob/blob_store.h"
#include "aether/crypto/crypto.h"

namespace aether::contract {

using BlobFactory = std::function<std::unique_ptr<BlobStore>()>;

class BlobContract : public ::testing::TestWithParam<BlobFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam()();
    ASSERT_NE(store_, nullptr);
  }
  BlobStore& store() { return *store_; }

 private:
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobContract, StageCompleteRead) {
  std::string bytes = "layer bytes";
  Digest d = crypto::Sha256Digest(bytes);
  EXPECT_TRUE(store().Ping().ok());
  EXPECT_FALSE(*store().Exists(d));
  EXPECT_EQ(store().CompleteUpload(d, -1).status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().StageUpload(d, bytes).ok());
  EXPECT_FALSE(*store().Exists(d)) << "staged bytes must not be visible before complete";
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
  ASSERT_TRUE(store().StageUpload(claimed, "something else").ok());
  EXPECT_EQ(store().CompleteUpload(claimed, -1).status().code(), ErrorCode::kDigestMismatch);
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
  EXPECT_NE(put->url.find(d.str()), std::string::npos);
  EXPECT_GT(put->expires_at, 0);
  auto get = store().PresignDownload(d, std::chrono::seconds(60));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->method, "GET");
  EXPECT_NE(get->url, put->url);
  EXPECT_EQ(store().ReadAll(d).status().code(), ErrorCode::kNotFound);
}

}  // namespace aether::contract

#define AETHER_BLOB_CONTRACT(name, factory)                                             \
  namespace aether::contract {                                                          \
  INSTANTIATE_TEST_SUITE_P(name, BlobContract, ::testing::Values(BlobFactory(factory)), \
                           [](const auto&) { return std::string("impl"); });            \
  }
