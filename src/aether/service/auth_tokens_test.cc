// AuthService tokens over the in-memory store with a fake clock: scopes, apps, expiry, last
// use, revocation and rotation with a grace period.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "aether/core/names.h"
#include "aether/service/auth.h"

namespace aether {
namespace {

class AuthTokensTest : public ::testing::Test {
 protected:
  std::unique_ptr<MetadataStore> store = NewMemoryStore();
  long long now = 1'800'000'000'000;  // 2027-01-15
  AuthService auth{*store, [this] { return now; }};

  Result<Principal> Use(const std::string& secret) { return auth.Authenticate("Bearer " + secret); }
};

TEST_F(AuthTokensTest, ScopesGrantInOrderAndAppsRestrict) {
  Principal admin{"t", "a", "admin", {}};
  Principal deploy{"t", "d", "deploy", {"web"}};
  Principal read{"t", "r", "read", {}};
  Principal pull{"t", "p", "pull", {}};
  EXPECT_TRUE(admin.Grants(Scope::kAdmin));
  EXPECT_FALSE(deploy.Grants(Scope::kAdmin));
  EXPECT_TRUE(deploy.Grants(Scope::kDeploy));
  EXPECT_TRUE(deploy.Grants(Scope::kRead));
  EXPECT_TRUE(deploy.Grants(Scope::kPull));
  EXPECT_FALSE(read.Grants(Scope::kDeploy));
  EXPECT_TRUE(read.Grants(Scope::kRead));
  EXPECT_FALSE(read.Grants(Scope::kPull)) << "artifacts are code: not for read tokens";
  EXPECT_FALSE(pull.Grants(Scope::kRead));
  EXPECT_TRUE(pull.Grants(Scope::kPull));
  EXPECT_TRUE(pull.Grants(Scope::kAny));
  EXPECT_TRUE(deploy.MaySee("web"));
  EXPECT_FALSE(deploy.MaySee("api"));
  EXPECT_TRUE(admin.MaySee("anything"));
}

TEST_F(AuthTokensTest, CreatedTokenWorksUntilItExpiresAndRecordsItsLastUse) {
  auto issued = auth.Create({"ci", "deploy", {"web", "api", "web"}, 3600});
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->secret.substr(0, 3), "ae_");
  EXPECT_EQ(issued->token.apps, (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(issued->token.expires_at, Rfc3339FromUnixMillis(now + 3'600'000));
  auto who = Use(issued->secret);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, "deploy");
  EXPECT_EQ(who->apps, (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(auth.Get(issued->token.id)->last_used_at, Rfc3339FromUnixMillis(now));
  now += 30'000;  // within a minute: not written again
  ASSERT_TRUE(Use(issued->secret).ok());
  EXPECT_EQ(auth.Get(issued->token.id)->last_used_at, Rfc3339FromUnixMillis(now - 30'000));
  now += 60'000;
  ASSERT_TRUE(Use(issued->secret).ok());
  EXPECT_EQ(auth.Get(issued->token.id)->last_used_at, Rfc3339FromUnixMillis(now));
  now = 1'800'000'000'000 + 3'600'000;
  auto expired = Use(issued->secret);
  EXPECT_EQ(expired.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  EXPECT_EQ(store->FindTokenByHash("x").status().code(), ErrorCode::kNotFound);
}

TEST_F(AuthTokensTest, CreateValidatesEverything) {
  EXPECT_EQ(auth.Create({"", "read", {}, 0}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(auth.Create({"has space", "read", {}, 0}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(auth.Create({"x", "root", {}, 0}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(auth.Create({"x", "read", {"Bad_App"}, 0}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(auth.Create({"x", "read", {}, -1}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(auth.List()->empty()) << "nothing stored by refused creates";
}

TEST_F(AuthTokensTest, RevokedTokenIsRefusedAndStaysRevoked) {
  auto issued = auth.Create({"old", "read", {}, 0});
  ASSERT_TRUE(issued.ok());
  auto revoked = auth.Revoke(issued->token.id);
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->revoked_at, Rfc3339FromUnixMillis(now));
  now += 1000;
  EXPECT_EQ(auth.Revoke(issued->token.id)->revoked_at, Rfc3339FromUnixMillis(now - 1000));
  auto refused = Use(issued->secret);
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("revoked"), std::string::npos);
  EXPECT_EQ(auth.Rotate(issued->token.id, std::chrono::seconds(60)).status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(auth.Revoke("tok_nope").status().code(), ErrorCode::kNotFound);
}

TEST_F(AuthTokensTest, RotationKeepsTheOldSecretForTheGracePeriodOnly) {
  auto issued = auth.Create({"ci", "deploy", {"web"}, 0});
  ASSERT_TRUE(issued.ok());
  auto rotated = auth.Rotate(issued->token.id, std::chrono::seconds(600));
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(rotated->secret, issued->secret);
  EXPECT_EQ(rotated->token.id, issued->token.id);
  EXPECT_EQ(Use(rotated->secret)->token_id, issued->token.id);
  EXPECT_EQ(Use(issued->secret)->apps, std::vector<std::string>{"web"}) << "old one, in grace";
  now += 600'000;
  auto old = Use(issued->secret);
  EXPECT_EQ(old.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(old.status().message().find("rotated"), std::string::npos);
  EXPECT_TRUE(Use(rotated->secret).ok());
  // Zero grace: the old secret is refused at once.
  auto again = auth.Rotate(issued->token.id, std::chrono::seconds(0));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(Use(rotated->secret).ok());
  EXPECT_TRUE(Use(again->secret).ok());
  EXPECT_EQ(auth.Rotate(issued->token.id, std::chrono::seconds(-1)).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(AuthTokensTest, SeedsAcceptDeployAndBootstrapIsAudited) {
  ASSERT_TRUE(auth.SeedTokens("ci-secret-0123456789:deploy:ci").ok());
  EXPECT_EQ(Use("ci-secret-0123456789")->role, "deploy");
  auto file = ::testing::TempDir() + "/auth-tokens-test.token";
  ASSERT_TRUE(auth.EnsureBootstrapToken(file).ok());
  auto audit = store->ListAudit({});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->items.size(), 1u);
  EXPECT_EQ(audit->items[0].action, "token.bootstrap");
  std::remove(file.c_str());
}

}  // namespace
}  // namespace aether
