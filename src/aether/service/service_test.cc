// Use-case tests over the in-memory fakes: auth, apps, the upload protocol and rollouts.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "aether/service/service_test_util.h"

namespace aether {
namespace {

TEST_F(ServiceTest, BootstrapTokenIsWrittenOnceWithMode0600) {
  auto file = ::testing::TempDir() + "/admin.token." + std::to_string(getpid());
  auto created = auth.EnsureBootstrapToken(file);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->substr(0, 3), "ae_");
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(file);
  std::string token;
  std::getline(in, token);
  auto who = auth.Authenticate("Bearer " + token);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, "admin");
  EXPECT_EQ(*auth.EnsureBootstrapToken(file), "") << "second start creates nothing";
  EXPECT_EQ(auth.Authenticate("").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate("Bearer nope").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.Authenticate("Basic abc").status().code(), ErrorCode::kUnauthenticated);
  std::filesystem::remove(file);
}

TEST_F(ServiceTest, EnsureTokenIsIdempotentAndGrantsItsRole) {
  ASSERT_TRUE(auth.EnsureToken("agent-secret", "local-agents", "pull").ok());
  ASSERT_TRUE(auth.EnsureToken("agent-secret", "local-agents", "pull").ok());
  EXPECT_EQ(*store->CountTokens("pull"), 1);
  auto who = auth.Authenticate("Bearer agent-secret");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, "pull");
}

TEST_F(ServiceTest, SeededTokensGetTheirRolesAndBadEntriesStoreNothing) {
  ASSERT_TRUE(auth.SeedTokens("viewer-secret-0123456789:read:viewer,"
                              "ops-secret-0123456789:admin:ops")
                  .ok());
  ASSERT_TRUE(auth.SeedTokens("viewer-secret-0123456789:read:viewer").ok());  // idempotent
  EXPECT_EQ(*store->CountTokens("read"), 1);
  EXPECT_EQ(auth.Authenticate("Bearer viewer-secret-0123456789")->role, "read");
  EXPECT_EQ(auth.Authenticate("Bearer ops-secret-0123456789")->role, "admin");
  EXPECT_TRUE(auth.SeedTokens("").ok());
  for (const char* bad : {"later-secret-0123456789:read:later,short:read:x",
                          "later-secret-0123456789:read:later,secret-0123456789abc:root:x",
                          "later-secret-0123456789:read:later,secret-0123456789abc:read",
                          "later-secret-0123456789:read:later,secret-0123456789abc:read:"}) {
    Status st = auth.SeedTokens(bad);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("entry 2"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("0123456789"), std::string::npos) << "no secret in errors";
  }
  EXPECT_FALSE(auth.Authenticate("Bearer later-secret-0123456789").ok()) << "nothing stored";
}

TEST_F(ServiceTest, AppsValidateNamesAndDeleteStopsTheRuntime) {
  EXPECT_EQ(apps.Create("Bad_Name").status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(apps.Create("web").ok());
  EXPECT_EQ(apps.Create("web").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(apps.Get("ghost").status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(apps.Delete("web").ok());
  EXPECT_EQ(runtime.removed(), std::vector<std::string>{"web"});
  EXPECT_EQ(apps.Delete("web").code(), ErrorCode::kNotFound);
}

TEST_F(ServiceTest, UploadProtocolReportsMissingAndRejectsBadSignatures) {
  std::string d = crypto::Sha256Digest("abc").str();
  EXPECT_EQ(*artifacts.Missing({d}), std::vector<std::string>{d});
  EXPECT_EQ(artifacts.Missing({"sha256:nope"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(artifacts.StageSigned(d, "99999999999", "bad", "abc").code(),
            ErrorCode::kPermissionDenied);
  Upload("abc");
  EXPECT_TRUE(artifacts.Missing({d})->empty());
}

TEST_F(ServiceTest, RegisterRefusesManifestsWithMissingLayers) {
  ASSERT_TRUE(apps.Create("web").ok());
  artifact::Manifest m;
  m.layers.push_back(
      {crypto::Sha256Digest("never uploaded"), 14, std::string(artifact::kLayerMediaType), "app"});
  m.command = {"node", "index.js"};
  auto rec = artifacts.Register("web", artifact::SerializeManifest(m));
  EXPECT_EQ(rec.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(artifacts.Register("web", "{not json").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(artifacts.Register("ghost", "{}").status().code(), ErrorCode::kNotFound);
}

TEST_F(ServiceTest, DeploymentRunsAndSupersedesThePreviousOne) {
  ASSERT_TRUE(apps.Create("web").ok());
  std::string digest = RegisterArtifact("web");
  auto first = releases.Deploy("web", digest);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, "pending");
  EXPECT_EQ(WaitFinished(first->id).status, "running");
  auto second = releases.Deploy("web", digest);
  ASSERT_TRUE(second.ok());
  Deployment done = WaitFinished(second->id);
  EXPECT_EQ(done.status, "running");
  EXPECT_EQ(done.phases.size(), 6u);
  EXPECT_EQ(deploys.Get(first->id)->status, "superseded");
  EXPECT_EQ(apps.Get("web")->current_deployment, second->id);
  EXPECT_EQ(runtime.deployed().size(), 2u);
}

TEST_F(ServiceTest, FailedRolloutKeepsTheReason) {
  ASSERT_TRUE(apps.Create("web").ok());
  std::string digest = RegisterArtifact("web");
  auto d = releases.Deploy("web", digest, {{"FAKE_FAIL", "crashed on start"}});
  ASSERT_TRUE(d.ok());
  Deployment done = WaitFinished(d->id);
  EXPECT_EQ(done.status, "failed");
  EXPECT_EQ(done.reason, "crashed on start");
  EXPECT_EQ(apps.Get("web")->current_deployment, "");
}

TEST_F(ServiceTest, DeploymentNeedsAKnownAppAndArtifact) {
  ASSERT_TRUE(apps.Create("web").ok());
  std::string unknown = crypto::Sha256Digest("x").str();
  EXPECT_EQ(releases.Deploy("ghost", unknown).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(releases.Deploy("web", unknown).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(releases.Deploy("web", "sha256:zz").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(deploys.Get("dep_nope").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aether
