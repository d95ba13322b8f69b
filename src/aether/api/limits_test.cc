// BodyLimitFor: upload routes get the upload limit, everything else the JSON one.
#include "aether/api/limits.h"

#include <gtest/gtest.h>

namespace aether::api {
namespace {

http::Request Head(std::string method, std::string path) {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(BodyLimitFor, UploadsGetTheUploadLimit) {
  BodyLimits limits{.json = 100, .upload = 5000};
  EXPECT_EQ(BodyLimitFor(Head("PUT", "/blobs/sha256:abc"), limits), 5000u);
  EXPECT_EQ(BodyLimitFor(Head("PUT", "/blobs/uploads/up_1/3"), limits), 5000u);
  EXPECT_EQ(BodyLimitFor(Head("POST", "/apps/web/artifacts"), limits), 100u);
  EXPECT_EQ(BodyLimitFor(Head("POST", "/artifacts/uploads"), limits), 100u);
  EXPECT_EQ(BodyLimitFor(Head("GET", "/blobs/sha256:abc"), limits), 100u);
  EXPECT_EQ(BodyLimitFor(Head("PATCH", "/apps/web/config"), limits), 100u);
  EXPECT_EQ(BodyLimitFor(Head("PUT", "/blobsx"), limits), 100u);
}

TEST(BodyLimitFor, Defaults) {
  BodyLimits limits;
  EXPECT_EQ(limits.json, 32u << 20);
  EXPECT_EQ(limits.upload, 1u << 30);
}

}  // namespace
}  // namespace aether::api
