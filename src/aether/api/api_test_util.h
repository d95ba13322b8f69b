// Test fixture for the API layer: an Api over every service wired to the in-memory fakes (store,
// blobs, runtime) as aetherd wires them, with an admin, a pull and a read token, and a helper that
// sends one request through Api::Handle. Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "aether/api/api.h"
#include "aether/core/names.h"
#include "aether/metrics/metrics.h"
#include "aether/runtime/runtime.h"
#include "aether/service/config_vars.h"
#include "aether/store/store.h"

namespace aether::api {

class ApiTest : public ::testing::Test {
 protected:
  static constexpr const char* kAdminToken = "admin-secret";
  static constexpr const char* kPullToken = "pull-secret";
  static constexpr const char* kReadToken = "read-secret";

  ApiTest() {
    EXPECT_TRUE(auth.EnsureToken(kReadToken, "viewer", "read").ok());
    EXPECT_TRUE(auth.EnsureToken(kAdminToken, "admin", "admin").ok());
    EXPECT_TRUE(auth.EnsureToken(kPullToken, "agents", "pull").ok());
  }

  // Sends `method target` (with `token` as bearer unless empty) through the Api.
  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& token = kAdminToken, std::string body = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    http::ParseTarget(req.target, &req.path, &req.query);
    if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
    req.body = std::move(body);
    req.remote_addr = "127.0.0.1";
    return api.Handle(req);
  }

  std::unique_ptr<MetadataStore> store = NewMemoryStore();
  std::unique_ptr<BlobStore> blobs = NewMemoryBlobStore(UrlSigner("k"));
  FakeRuntime runtime;
  Metrics metrics;
  long long clock_skew_ms = 0;  // added to the time the token checks see
  AuthService auth{*store, [this] { return NowUnixMillis() + clock_skew_ms; }};
  AppService apps{*store, runtime};
  ArtifactService artifacts{*store, *blobs, UrlSigner("k")};
  ConfigCipher cipher{std::string(32, 'k')};
  DeployService deploys{*store, runtime, cipher,
                        [this](const std::string& outcome) { metrics.CountDeploy(outcome); }};
  ReleaseService releases{*store, deploys, cipher};
  KeyService keys{*store};
  IdempotencyService idempotency{*store};
  AuditTrail audit{*store};
  Api api{Services{auth, apps, artifacts, deploys, releases, keys, idempotency, audit, *store,
                   *blobs, runtime.Logs(), metrics,
                   [](const http::Request&) { return std::string("http://127.0.0.1:7070"); }}};
};

}  // namespace aether::api
