// GET /metrics through the Api: every request is counted under its route pattern (router
// 404/405 under "unmatched"), blob upload bytes are counted on success, and the store gauges
// come from the metadata store.
#include <string>

#include "aether/api/api_test_util.h"
#include "aether/core/model.h"
#include "aether/crypto/crypto.h"

namespace aether::api {
namespace {

class MetricsRoutesTest : public ApiTest {
 protected:
  std::string Scrape() {
    http::Response res = Call("GET", "/metrics", "");
    EXPECT_EQ(res.status, 200);
    EXPECT_TRUE(res.headers["Content-Type"].starts_with("text/plain; version=0.0.4"))
        << res.headers["Content-Type"];
    return res.body;
  }
  static bool Has(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
  }
};

TEST_F(MetricsRoutesTest, RequestsAreCountedByRoutePattern) {
  EXPECT_EQ(Call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(Call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(Call("GET", "/apps/web", "").status, 401);
  EXPECT_EQ(Call("GET", "/apps/ghost").status, 404);
  EXPECT_EQ(Call("GET", "/no/such/route").status, 404);
  EXPECT_EQ(Call("DELETE", "/healthz").status, 405);
  EXPECT_EQ(Call("BREW", "/coffee").status, 404);
  std::string text = Scrape();
  const std::string total = "aether_http_requests_total";
  EXPECT_TRUE(Has(text, total + R"({method="GET",route="/healthz",status="200"} 2)")) << text;
  EXPECT_TRUE(Has(text, total + R"({method="GET",route="/apps/{app}",status="401"} 1)")) << text;
  EXPECT_TRUE(Has(text, total + R"({method="GET",route="/apps/{app}",status="404"} 1)")) << text;
  EXPECT_TRUE(Has(text, total + R"({method="GET",route="unmatched",status="404"} 1)")) << text;
  EXPECT_TRUE(Has(text, total + R"({method="DELETE",route="unmatched",status="405"} 1)")) << text;
  EXPECT_TRUE(Has(text, total + R"({method="other",route="unmatched",status="404"} 1)")) << text;
  EXPECT_EQ(text.find("/apps/ghost"), std::string::npos) << "raw paths must not be labels";
  EXPECT_TRUE(
      Has(text, R"(aether_http_request_duration_seconds_count{method="GET",route="/healthz"} 2)"))
      << text;
  EXPECT_NE(text.find("# TYPE aether_http_request_duration_seconds histogram"), std::string::npos);
}

TEST_F(MetricsRoutesTest, StoreGaugesAndDeployOutcomes) {
  ASSERT_TRUE(apps.Create("web").ok());
  ASSERT_TRUE(apps.Create("api").ok());
  std::string text = Scrape();
  EXPECT_TRUE(Has(text, "aether_apps 2")) << text;
  EXPECT_TRUE(Has(text, "aether_artifacts_stored 0")) << text;
  EXPECT_TRUE(Has(text, "aether_artifact_bytes 0")) << text;
  EXPECT_TRUE(Has(text, "aether_releases_running 0")) << text;
  EXPECT_TRUE(Has(text, R"(aether_deploys_total{outcome="running"} 0)")) << text;
  EXPECT_TRUE(Has(text, R"(aether_deploys_total{outcome="failed"} 0)")) << text;
}

TEST_F(MetricsRoutesTest, UploadBytesCountOnlyAcceptedUploads) {
  const std::string bytes = "hello layer";
  const std::string digest = crypto::Sha256Digest(bytes).str();
  auto url = artifacts.PresignUpload(digest, static_cast<long long>(bytes.size()));
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_TRUE(url->url.starts_with("/blobs/")) << url->url;
  EXPECT_EQ(Call("PUT", "/blobs/" + digest + "?expires=1&signature=bad", "", bytes).status, 403);
  EXPECT_TRUE(Has(Scrape(), "aether_upload_bytes_total 0"));
  EXPECT_EQ(Call("PUT", url->url, "", bytes).status, 201);
  EXPECT_TRUE(Has(Scrape(), "aether_upload_bytes_total " + std::to_string(bytes.size())));
}

}  // namespace
}  // namespace aether::api
