// ApiClient against a fake http::Client: requests, decoding and error envelopes.
#include "aether/cli/api_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "aether/cli/test_util.h"
#include "aether/http/test_util.h"

namespace aether::cli {
namespace {

using testing::FakeHttp;
using testing::JsonReply;

TEST(ApiClient, SendsBearerJsonRequests) {
  FakeHttp http([](const http::ClientRequest&) {
    return Result<http::Response>(
        JsonReply(201, R"({"name":"web","url":"http://web.localhost:7080/",
      "created_at":"t","current_deployment":null})"));
  });
  ApiClient api(http, "http://srv:7070", "tok");
  auto app = api.CreateApp("web");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->name, "web");
  EXPECT_EQ(app->url, "http://web.localhost:7080/");
  EXPECT_EQ(app->current_deployment, "");
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& req = http.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://srv:7070/apps");
  EXPECT_EQ(req.headers.at("Authorization"), "Bearer tok");
  EXPECT_EQ(req.headers.at("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(req.body), (nlohmann::json{{"name", "web"}}));
}

TEST(ApiClient, ErrorEnvelopeBecomesStatusWithServerMessage) {
  FakeHttp http([](const http::ClientRequest&) {
    return Result<http::Response>(
        JsonReply(404, R"({"code":"not_found","message":"app 'ghost' does not exist"})"));
  });
  ApiClient api(http, "http://srv", "tok");
  auto app = api.GetApp("ghost");
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(app.status().message(), "app 'ghost' does not exist");
  EXPECT_EQ(http.requests[0].url, "http://srv/apps/ghost");
}

TEST(ApiClient, StatusWithoutEnvelopeUsesHttpStatus) {
  http::Response res;
  res.status = 502;
  res.body = "<html>Bad gateway</html>";
  Status st = StatusFromResponse(res, "GET /apps");
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.message().find("HTTP 502"), std::string::npos);
  EXPECT_EQ(ErrorCodeForHttpStatus(401), ErrorCode::kUnauthenticated);
  EXPECT_EQ(ErrorCodeForHttpStatus(403), ErrorCode::kPermissionDenied);
  EXPECT_EQ(ErrorCodeForHttpStatus(409), ErrorCode::kConflict);
  EXPECT_EQ(ErrorCodeForHttpStatus(418), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ErrorCodeForHttpStatus(500), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeForHttpStatus(429), ErrorCode::kRateLimited);
}

TEST(ApiClient, S3ErrorsAreReadFromTheirXml) {
  http::Response res;
  res.status = 403;
  res.body =
      "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
      "<Message>Request has expired</Message></Error>";
  Status st = StatusFromResponse(res, "upload");
  EXPECT_EQ(st.code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(st.message(), "upload: S3 answered 403 AccessDenied (Request has expired)");
}

TEST(ApiClient, PresignedHeadersAreSentAsGiven) {
  FakeHttp http([](const http::ClientRequest& req) {
    if (req.url == "http://srv/artifacts/presign") {
      return Result<http::Response>(JsonReply(
          200, R"({"method":"PUT","url":"http://s3/b/k?X-Amz-Signature=s","expires_at":9,)"
               R"("headers":{"x-amz-content-sha256":"ab","x-amz-meta-sha256":"ab"}})"));
    }
    return Result<http::Response>(JsonReply(200, "{}"));
  });
  ApiClient api(http, "http://srv", "tok");
  auto url = api.Presign("sha256:ab", 3);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->url, "http://s3/b/k?X-Amz-Signature=s");
  EXPECT_EQ(url->headers.size(), 2u);
  auto file = std::filesystem::temp_directory_path() / "aether-presigned-headers-test";
  std::ofstream(file) << "abc";
  ASSERT_TRUE(api.PutPresigned(*url, file.string(), nullptr).ok());
  const auto& put = http.requests.back();
  EXPECT_EQ(put.url, url->url);
  EXPECT_EQ(put.headers.at("x-amz-content-sha256"), "ab");
  EXPECT_EQ(put.headers.at("x-amz-meta-sha256"), "ab");
  EXPECT_EQ(put.headers.count("Authorization"), 0u) << "no bearer token to S3";
  std::filesystem::remove(file);
}

TEST(ApiClient, UnauthenticatedSuggestsLogin) {
  FakeHttp http([](const http::ClientRequest&) {
    return Result<http::Response>(
        JsonReply(401, R"({"code":"unauthenticated","message":"unknown token"})"));
  });
  ApiClient api(http, "http://srv", "bad");
  auto apps = api.ListApps();
  EXPECT_EQ(apps.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(apps.status().message(), "unknown token (run `aether login`)");
}

TEST(ApiClient, TransportFailuresPassThrough) {
  FakeHttp http([](const http::ClientRequest&) {
    return Result<http::Response>(Unavailable("cannot reach http://srv/apps: Connection refused"));
  });
  ApiClient api(http, "http://srv", "tok");
  EXPECT_EQ(api.ListApps().status().code(), ErrorCode::kUnavailable);
}

TEST(ApiClient, PresignedPutCarriesNoBearerAndStreamsTheFile) {
  FakeHttp http([](const http::ClientRequest& req) {
    if (req.url.ends_with("/artifacts/presign")) {
      return Result<http::Response>(JsonReply(
          200,
          R"({"method":"PUT","url":"/blobs/sha256:ab?expires=1&signature=s","expires_at":1})"));
    }
    return Result<http::Response>(JsonReply(201, R"({"status":"staged"})"));
  });
  ApiClient api(http, "http://srv", "tok");
  auto url = api.Presign("sha256:ab", 10);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->url, "http://srv/blobs/sha256:ab?expires=1&signature=s");
  ASSERT_TRUE(api.PutPresigned(*url, "/tmp/layer.tar.zst").ok());
  const auto& put = http.requests.back();
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.upload_file, "/tmp/layer.tar.zst");
  EXPECT_EQ(put.headers.count("Authorization"), 0u);
}

TEST(ApiClient, DecodesReleasesAndMissing) {
  FakeHttp http([](const http::ClientRequest& req) {
    if (req.url.ends_with("/artifacts/missing")) {
      return Result<http::Response>(JsonReply(200, R"({"missing":["sha256:b"]})"));
    }
    return Result<http::Response>(JsonReply(200, R"({"releases":[{"id":"dep_1","app":"web",
      "version":7,"artifact":"sha256:c","status":"failed","reason":"crashed","url":"u",
      "instances":2,"config_keys":["DB"],
      "phases":[{"name":"fetch","ms":3},{"name":"start","ms":40}]}],"next_cursor":"Ng"})"));
  });
  ApiClient api(http, "http://srv", "tok");
  auto missing = api.MissingBlobs({"sha256:a", "sha256:b"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, std::vector<std::string>{"sha256:b"});
  auto list = api.ListReleases("web", {1, "Nw"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(http.requests.back().url.ends_with("/apps/web/releases?limit=1&cursor=Nw"));
  EXPECT_EQ(list->next, "Ng");
  ASSERT_EQ(list->items.size(), 1u);
  const Deployment& d = list->items[0];
  EXPECT_EQ(d.version, 7);
  EXPECT_EQ(d.instances, 2);
  EXPECT_EQ(d.config.count("DB"), 1u);
  EXPECT_EQ(d.reason, "crashed");
  ASSERT_EQ(d.phases.size(), 2u);
  EXPECT_EQ(d.phases[1].name, "start");
  EXPECT_EQ(d.phases[1].ms, 40);
}

TEST(ApiClient, MutatingCallsRetryUnavailableWithOneIdempotencyKey) {
  int calls = 0;
  FakeHttp http([&](const http::ClientRequest&) {
    if (++calls == 1) {
      return Result<http::Response>(
          JsonReply(503, R"({"code":"service_unavailable","message":"database down"})"));
    }
    return Result<http::Response>(JsonReply(202, R"({"id":"dep_2","version":3})"));
  });
  ApiClient api(http, "http://srv", "tok");
  auto release = api.Scale("web", 3);
  ASSERT_TRUE(release.ok()) << release.status().ToString();
  EXPECT_EQ(release->version, 3);
  ASSERT_EQ(http.requests.size(), 2u);
  std::string key = http.requests[0].headers.at("Idempotency-Key");
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(http.requests[1].headers.at("Idempotency-Key"), key);
  EXPECT_EQ(http.requests[1].body, R"({"instances":3})");
}

TEST(ApiClient, MalformedSuccessBodyIsAnError) {
  FakeHttp http([](const http::ClientRequest&) {
    return Result<http::Response>(JsonReply(200, "not json"));
  });
  ApiClient api(http, "http://srv", "tok");
  EXPECT_EQ(api.ListApps().status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace aether::cli

namespace aether::cli {
namespace {

// Parts go up concurrently, each with its own byte range, and the first failure is returned.
TEST(ApiClientParts, UploadsPartsConcurrentlyWithTheirRanges) {
  std::mutex mu;
  std::map<std::string, std::string> got;
  int active = 0, peak = 0;
  auto server = http::testing::Start([&](http::Request& req) {
    {
      std::lock_guard lock(mu);
      peak = std::max(peak, ++active);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard lock(mu);
    --active;
    if (req.path == "/part/4") return http::Response::Text(500, "<Error><Code>X</Code></Error>");
    got[req.path] = req.body;
    http::Response res = http::Response::Text(200, "");
    res.headers["ETag"] = "\"e" + req.path.substr(6) + "\"";
    return res;
  });
  auto file = std::filesystem::temp_directory_path() / "aether-parts-test";
  std::ofstream(file) << "aaabbbcccdd";
  auto plan = [&](int parts) {
    MultipartUpload up{"up", 3, {}};
    for (int n = 1; n <= parts; ++n) {
      up.parts.push_back({"PUT", http::testing::Url(*server, "/part/" + std::to_string(n)), 0, {}});
    }
    return up;
  };
  auto http = http::NewClient();
  ApiClient api(*http, "http://unused", "tok");
  api.SetClientFactory([] { return http::NewClient(); });
  int64_t last_progress = 0;
  auto parts = api.PutParts(plan(3), file.string(), 9, 3, [&](int64_t n) { last_progress = n; });
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].number, 2);
  EXPECT_EQ((*parts)[1].etag, "e2");
  EXPECT_EQ(got["/part/1"], "aaa");
  EXPECT_EQ(got["/part/3"], "ccc");
  EXPECT_EQ(peak, 3) << "three parts at once";
  EXPECT_EQ(last_progress, 9);
  auto failed = api.PutParts(plan(4), file.string(), 11, 2);
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("S3 answered 500 X"), std::string::npos)
      << failed.status().ToString();
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace aether::cli
