// S3Client's retries against a local HTTP server that plays a struggling S3: 5xx and SlowDown
// are retried with backoff, then give up as kUnavailable; 4xx are not retried; every attempt
// is signed afresh.
#include "aether/blob/s3/s3_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "aether/http/test_util.h"

namespace aether::s3 {
namespace {

class FlakyS3 {
 public:
  // Answers `failures` times with `status` (and an S3 error `code`), then 200.
  FlakyS3(int failures, int status, std::string code)
      : server_(http::testing::Start([this, failures, status, code](http::Request& req) {
          std::lock_guard lock(mu_);
          auth_.push_back(std::string(req.Header("Authorization")));
          if (static_cast<int>(auth_.size()) <= failures) {
            return http::Response::Text(
                status, "<Error><Code>" + code + "</Code><Message>m</Message></Error>",
                "application/xml");
          }
          return http::Response::Text(200, "<ListBucketResult/>", "application/xml");
        })) {}

  S3Client Client(int attempts) const {
    S3Options o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(server_->port());
    o.bucket = "b";
    o.credentials = {"AK", "SK", ""};
    o.max_attempts = attempts;
    return S3Client(o);
  }
  std::vector<std::string> auth() {
    std::lock_guard lock(mu_);
    return auth_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> auth_;
  std::unique_ptr<http::Server> server_;
};

TEST(S3Retry, ServerErrorsAndThrottlingAreRetriedUntilTheyPass) {
  FlakyS3 s3(2, 503, "SlowDown");
  auto res = s3.Client(4).Send({"GET", "", {{"list-type", "2"}}, {}, ""});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  ASSERT_EQ(s3.auth().size(), 3u);
  EXPECT_TRUE(s3.auth()[0].starts_with("AWS4-HMAC-SHA256 Credential=AK/")) << s3.auth()[0];
}

TEST(S3Retry, PersistentServerErrorsEndUnavailable) {
  FlakyS3 s3(100, 500, "InternalError");
  auto res = s3.Client(3).Send({"GET", "k", {}, {}, ""});
  EXPECT_EQ(res.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(res.status().message().find("500 InternalError"), std::string::npos)
      << res.status().ToString();
  EXPECT_EQ(s3.auth().size(), 3u);
}

TEST(S3Retry, ClientErrorsAreNotRetried) {
  FlakyS3 s3(100, 403, "AccessDenied");
  S3Client client = s3.Client(4);
  auto res = client.Send({"GET", "k", {}, {}, ""});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(s3.auth().size(), 1u);
  Status st = client.ErrorFor(*res, "reading k");
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.message().find("denied reading k"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace aether::s3
