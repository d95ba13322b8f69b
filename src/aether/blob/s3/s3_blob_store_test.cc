// The S3 BlobStore against a real S3 (Ceph RGW started by the `rgw` CTest fixture; its address
// and keys come in AETHER_S3_ENDPOINT_URL, AETHER_ARTIFACT_BUCKET and AWS_*): the contract
// suite, then what only a real server shows: presigned URLs used over HTTP, tampered or
// expired ones refused, a wrong body refused, unsigned requests refused, and clear errors for
// wrong credentials, a missing bucket and clock skew. Each store gets its own key prefix, so
// tests running in parallel do not see each other's uploads.
#include "aether/blob/s3/s3_blob_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <thread>

#include "aether/blob/blob_contract.h"
#include "aether/crypto/crypto.h"
#include "aether/http/client.h"

namespace aether::s3 {
namespace {

// The fixture's settings; the bucket and keys default to test/s3/rgw.sh's (CTest passes only
// the endpoint: gtest_discover_tests cannot carry several ENVIRONMENT entries).
const char* TestEnv(const char* name) {
  static const std::map<std::string, std::string> kRgwDefaults{
      {"AETHER_ARTIFACT_BUCKET", "aether-test"},
      {"AWS_ACCESS_KEY_ID", "AETHERKEY"},
      {"AWS_SECRET_ACCESS_KEY", "AETHERSECRET"}};
  if (const char* v = std::getenv(name)) return v;
  auto it = kRgwDefaults.find(name);
  return it == kRgwDefaults.end() ? nullptr : it->second.c_str();
}

S3Options TestOptions() {
  auto o = OptionsFromEnvironment(TestEnv);
  if (!o.ok() || std::getenv("AETHER_S3_ENDPOINT_URL") == nullptr) {
    ADD_FAILURE() << "the rgw fixture sets AETHER_S3_ENDPOINT_URL: " << o.status().ToString();
    S3Options unusable;
    unusable.endpoint = "http://127.0.0.1:1";
    return unusable;
  }
  o->prefix = "test-" + crypto::RandomHex(6) + "/";
  return *o;
}

std::unique_ptr<BlobStore> TestStore(S3Options o = TestOptions(), S3Client::Clock now = {}) {
  return NewS3BlobStore(std::move(o), "id-key", std::move(now));
}

}  // namespace
}  // namespace aether::s3

AETHER_BLOB_CONTRACT_BACKEND(S3, (BlobBackend{[] { return aether::s3::TestStore(); },
                                              aether::s3::kMinPartSize,
                                              /*verifies_on_arrival=*/true}))

namespace aether::s3 {
namespace {

using std::chrono::seconds;

http::Response Send(const PresignedUrl& url, std::string body,
                    std::map<std::string, std::string> headers) {
  auto client = http::NewClient();
  http::ClientRequest req;
  req.method = url.method;
  req.url = url.url;
  req.body = std::move(body);
  for (auto& [k, v] : headers) req.headers[k] = v;
  auto res = client->Send(req);
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  return res.ok() ? *res : http::Response{};
}

http::Response Put(const PresignedUrl& url, std::string body) {
  return Send(url, std::move(body), url.headers);
}

class S3Test : public ::testing::Test {
 protected:
  std::unique_ptr<BlobStore> store_ = TestStore();
};

TEST_F(S3Test, PresignedPutThenCompletePublishes) {
  std::string body = "presigned body";
  Digest d = crypto::Sha256Digest(body);
  auto url = store_->PresignUpload(d, static_cast<long long>(body.size()), seconds(60));
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(url->url.starts_with(std::getenv("AETHER_S3_ENDPOINT_URL"))) << url->url;
  EXPECT_EQ(url->headers.at("x-amz-meta-sha256"), std::string(d.hex()));
  EXPECT_EQ(Put(*url, body).status, 200);
  auto size = store_->CompleteUpload(d, static_cast<long long>(body.size()));
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_TRUE(*store_->Exists(d));
  auto get = store_->PresignDownload(d, seconds(60));
  ASSERT_TRUE(get.ok());
  auto res = Send(*get, "", {});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, body);
}

TEST_F(S3Test, TamperedPresignedUrlsAreRefused) {
  std::string body = "tamper";
  Digest d = crypto::Sha256Digest(body);
  auto url = *store_->PresignUpload(d, 6, seconds(60));
  PresignedUrl bad = url;
  char& last = bad.url.back();
  last = last == '0' ? '1' : '0';  // one hex digit of X-Amz-Signature
  EXPECT_EQ(Put(bad, body).status, 403);
  PresignedUrl other = url;  // the same signature for another key
  auto at = other.url.find(std::string(d.hex()));
  other.url.replace(at, 4, "beef");
  EXPECT_EQ(Put(other, body).status, 403);
  auto headers = url.headers;
  headers["x-amz-meta-sha256"] = std::string(64, 'a');  // a signed header changed
  EXPECT_EQ(Send(url, body, headers).status, 403);
  EXPECT_EQ(store_->CompleteUpload(d, -1).status().code(), ErrorCode::kNotFound)
      << "nothing was staged by the refused requests";
}

TEST_F(S3Test, ExpiredPresignedUrlIsRefused) {
  std::string body = "expired";
  Digest d = crypto::Sha256Digest(body);
  auto url = *store_->PresignUpload(d, 7, seconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto res = Put(url, body);
  EXPECT_EQ(res.status, 403) << res.body;
  EXPECT_NE(res.body.find("AccessDenied"), std::string::npos) << res.body;
}

TEST_F(S3Test, WrongBodyIsRefusedByS3) {
  std::string body = "the promised bytes";
  Digest d = crypto::Sha256Digest(body);
  auto url = *store_->PresignUpload(d, 18, seconds(60));
  auto res = Put(url, "other bytes, same URL");
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(res.body.find("XAmzContentSHA256Mismatch"), std::string::npos) << res.body;
  EXPECT_EQ(store_->CompleteUpload(d, -1).status().code(), ErrorCode::kNotFound);
}

TEST_F(S3Test, UnsignedRequestsAreRefused) {
  std::string body = "anonymous";
  Digest d = crypto::Sha256Digest(body);
  auto url = *store_->PresignUpload(d, 9, seconds(60));
  PresignedUrl anon{"PUT", url.url.substr(0, url.url.find('?')), 0, {}};
  EXPECT_EQ(Put(anon, body).status, 403);
  ASSERT_TRUE(store_->StageUpload(d, body).ok());
  ASSERT_TRUE(store_->CompleteUpload(d, -1).ok());
  auto get = *store_->PresignDownload(d, seconds(60));
  PresignedUrl anon_get{"GET", get.url.substr(0, get.url.find('?')), 0, {}};
  EXPECT_EQ(Send(anon_get, "", {}).status, 403);
}

TEST_F(S3Test, MultipartThroughPresignedPartUrls) {
  std::string body(static_cast<size_t>(kMinPartSize + 1234), 'm');
  body[77] = 'x';
  Digest d = crypto::Sha256Digest(body);
  auto id = store_->CreateMultipart(d, static_cast<long long>(body.size()), kMinPartSize);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  std::vector<UploadPart> parts;
  for (int n = 1; n <= 2; ++n) {
    auto url = store_->PresignPart(*id, n, seconds(60));
    ASSERT_TRUE(url.ok());
    auto res = Put(*url, body.substr(static_cast<size_t>((n - 1) * kMinPartSize),
                                     static_cast<size_t>(kMinPartSize)));
    ASSERT_EQ(res.status, 200) << res.body;
    std::string etag = res.headers["ETag"];
    parts.push_back({n, etag.substr(1, etag.size() - 2)});
  }
  auto done = store_->CompleteMultipart(*id, parts);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->second, static_cast<long long>(body.size()));
  EXPECT_EQ(*store_->ReadAll(d), body);
}

TEST_F(S3Test, LargeUploadsAreCheckedBySizeAndMetadata) {
  S3Options o = TestOptions();
  o.verify_max_bytes = 4;  // no full re-hash above 4 bytes
  auto store = TestStore(o);
  std::string body = "more than four bytes";
  Digest d = crypto::Sha256Digest(body);
  ASSERT_TRUE(store->StageUpload(d, body).ok());
  EXPECT_EQ(store->CompleteUpload(d, 3).status().code(), ErrorCode::kDigestMismatch);
  EXPECT_EQ(store->CompleteUpload(d, -1).status().code(), ErrorCode::kNotFound) << "deleted";
  ASSERT_TRUE(store->StageUpload(d, body).ok());
  EXPECT_TRUE(store->CompleteUpload(d, static_cast<long long>(body.size())).ok());
  // An object under a digest's key whose x-amz-meta-sha256 names another digest.
  std::string other = "tagged with the wrong digest";
  Digest od = crypto::Sha256Digest(other);
  S3Client raw(o);
  auto put = raw.Send({"PUT",
                       o.prefix + "cas/sha256/" + std::string(od.hex()),
                       {},
                       {{"x-amz-meta-sha256", std::string(64, '0')}},
                       other});
  ASSERT_TRUE(put.ok() && put->status == 200);
  EXPECT_EQ(store->CompleteUpload(od, -1).status().code(), ErrorCode::kDigestMismatch);
  EXPECT_FALSE(*store->Exists(od)) << "deleted";
}

TEST_F(S3Test, MultipartIdsAreTamperProof) {
  Digest d = crypto::Sha256Digest("x");
  auto id = store_->CreateMultipart(d, 1, kMinPartSize);
  ASSERT_TRUE(id.ok());
  std::string forged = *id;
  forged[4] = forged[4] == '1' ? '2' : '1';  // the size field
  EXPECT_EQ(store_->PresignPart(forged, 1, seconds(60)).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->AbortMultipart(*id).ok());
  EXPECT_EQ(store_->AbortMultipart(*id).code(), ErrorCode::kNotFound);
}

TEST(S3Errors, WrongSecretSaysWhatToFix) {
  S3Options o = TestOptions();
  o.credentials.secret_key = "not-the-secret";
  Status st = TestStore(o)->Ping();
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << st.ToString();
}

TEST(S3Errors, UnknownAccessKeySaysWhatToFix) {
  S3Options o = TestOptions();
  o.credentials.access_key = "NOSUCHKEY";
  Status st = TestStore(o)->Ping();
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.message().find("does not know the access key 'NOSUCHKEY'"), std::string::npos)
      << st.ToString();
}

TEST(S3Errors, MissingBucketSaysWhatToFix) {
  S3Options o = TestOptions();
  o.bucket = "no-such-bucket-" + crypto::RandomHex(4);
  Status st = TestStore(o)->Ping();
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos) << st.ToString();
}

TEST(S3Errors, ClockSkewSaysWhatToFix) {
  Status st = TestStore(TestOptions(), [] {
                return static_cast<long long>(std::time(nullptr)) + 3600;
              })->Ping();
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.message().find("clock"), std::string::npos) << st.ToString();
}

TEST(S3Errors, UnreachableEndpointIsRetriedThenUnavailable) {
  S3Options o = TestOptions();
  o.endpoint = "http://127.0.0.1:1";
  o.max_attempts = 3;
  auto begin = std::chrono::steady_clock::now();
  Status st = TestStore(o)->Ping();
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.message().find("127.0.0.1:1"), std::string::npos) << st.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

}  // namespace
}  // namespace aether::s3

namespace aether::s3 {
namespace {

// The fixture's RGW runs Ceph's "testing" KMS backend with the key testkey-1.
TEST(S3Encryption, KmsEncryptedUploadsAreStoredEncryptedAndReadBack) {
  S3Options o = TestOptions();
  o.sse = "aws:kms";
  o.kms_key_id = "testkey-1";
  auto store = TestStore(o);
  std::string body = "secret layer bytes";
  Digest d = crypto::Sha256Digest(body);
  auto url = store->PresignUpload(d, static_cast<long long>(body.size()), seconds(60));
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->headers.at("x-amz-server-side-encryption"), "aws:kms");
  EXPECT_EQ(url->headers.at("x-amz-server-side-encryption-aws-kms-key-id"), "testkey-1");
  auto put = Put(*url, body);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.headers["x-amz-server-side-encryption"], "aws:kms");
  auto done = store->CompleteUpload(d, static_cast<long long>(body.size()));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(*store->ReadAll(d), body);
  auto get = Send(*store->PresignDownload(d, seconds(60)), "", {});
  EXPECT_EQ(get.body, body);
  EXPECT_EQ(get.headers["x-amz-server-side-encryption"], "aws:kms") << "the published copy too";
  auto id = store->CreateMultipart(d, static_cast<long long>(body.size()), kMinPartSize);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE(store->AbortMultipart(*id).ok());
}

TEST(S3Encryption, AnUnknownKmsKeyIsRefused) {
  S3Options o = TestOptions();
  o.sse = "aws:kms";
  o.kms_key_id = "no-such-key";
  auto store = TestStore(o);
  std::string body = "x";
  Status st = store->StageUpload(crypto::Sha256Digest(body), body);
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace aether::s3
