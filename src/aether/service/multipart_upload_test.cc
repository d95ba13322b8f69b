// ArtifactService's multipart upload over the in-memory fakes: the part plan, signed part
// PUTs, completion and abort.
#include <gtest/gtest.h>

#include "aether/crypto/crypto.h"
#include "aether/service/artifacts.h"

namespace aether {
namespace {

// "expires" and "signature" of a presigned part URL.
std::pair<std::string, std::string> Query(const PresignedUrl& url) {
  std::string q = url.url.substr(url.url.find('?') + 1);
  return {q.substr(8, q.find('&') - 8), q.substr(q.find("signature=") + 10)};
}

class MultipartUploadTest : public ::testing::Test {
 protected:
  std::unique_ptr<MetadataStore> store = NewMemoryStore();
  std::unique_ptr<BlobStore> blobs = NewMemoryBlobStore(UrlSigner("k"));
  ArtifactService artifacts{*store,         *blobs, UrlSigner("k"), {}, std::chrono::minutes(15),
                            /*part_size=*/4};
};

TEST_F(MultipartUploadTest, PlanSignedPartsCompleteAndAbort) {
  EXPECT_EQ(ArtifactService(*store, *blobs, UrlSigner("k"))
                .CreateUpload(crypto::Sha256Digest("x").str(), 20 << 20)
                ->parts.size(),
            3u)
      << "8 MiB parts by default";
  std::string bytes = "0123456789";
  std::string d = crypto::Sha256Digest(bytes).str();
  auto plan = artifacts.CreateUpload(d, 10);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->part_size, 4);
  ASSERT_EQ(plan->parts.size(), 3u);
  EXPECT_EQ(plan->parts[2].url.rfind("/blobs/uploads/" + plan->upload_id + "/3?", 0), 0u);

  auto [expires, sig] = Query(plan->parts[0]);
  EXPECT_EQ(artifacts.StagePartSigned(plan->upload_id, "2", expires, sig, "4567").status().code(),
            ErrorCode::kPermissionDenied)
      << "part 1's signature does not cover part 2";
  EXPECT_EQ(artifacts.StagePartSigned(plan->upload_id, "x", expires, sig, "0123").status().code(),
            ErrorCode::kInvalidArgument);
  std::vector<UploadPart> parts;
  for (int n = 1; n <= 3; ++n) {
    auto [e, s] = Query(plan->parts[n - 1]);
    auto etag = artifacts.StagePartSigned(plan->upload_id, std::to_string(n), e, s,
                                          bytes.substr(static_cast<size_t>(n - 1) * 4, 4));
    ASSERT_TRUE(etag.ok()) << etag.status().ToString();
    parts.push_back({n, *etag});
  }
  auto done = artifacts.CompleteUpload(plan->upload_id, parts);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->first.str(), d);
  EXPECT_EQ(*artifacts.Size(d), 10);

  EXPECT_EQ(artifacts.CreateUpload("sha256:nope", 10).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(artifacts.CreateUpload(d, 40001).status().code(), ErrorCode::kInvalidArgument)
      << "more than 10000 parts";
  plan = artifacts.CreateUpload(d, 10);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(artifacts.AbortUpload(plan->upload_id).ok());
  EXPECT_EQ(artifacts.AbortUpload(plan->upload_id).code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aether
