// Release use cases over the fakes: numbered releases, config vars (sealed at rest, injected
// into the runtime), scale, rollback, quotas and retention, idempotency keys, and the recovery
// of rollouts interrupted by an aetherd restart.
#include "aether/crypto/seal.h"
#include "aether/service/idempotency.h"
#include "aether/service/service_test_util.h"

namespace aether {
namespace {

class ReleasesTest : public ServiceTest {
 protected:
  void SetUp() override { ASSERT_TRUE(apps.Create("web").ok()); }

  Deployment Done(const Result<Deployment>& created) {
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? WaitFinished(created->id) : Deployment{};
  }
};

TEST_F(ReleasesTest, DevHotDeploysAreRefusedWhenTheServerTurnsThemOff) {
  ReleaseService no_hot{*store, deploys, cipher, /*allow_dev_hot=*/false};
  std::string a = RegisterArtifact("web", "a");
  auto refused = no_hot.Deploy("web", a, {}, "dev-hot");
  ASSERT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--dev-hot off"), std::string::npos);
  EXPECT_EQ(releases.List("web", {10, ""})->items.size(), 0u) << "no release was recorded";
  EXPECT_EQ(Done(no_hot.Deploy("web", a)).status, "running") << "rolling deploys still work";
  EXPECT_EQ(Done(releases.Deploy("web", a, {}, "dev-hot")).strategy, "dev-hot");
}

TEST_F(ReleasesTest, EveryChangeIsANumberedReleaseCarryingArtifactConfigAndScale) {
  std::string a = RegisterArtifact("web", "a");
  Deployment v1 = Done(releases.Deploy("web", a));
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.status, "running");
  EXPECT_EQ(v1.description, "Deploy " + a.substr(0, 19));
  Deployment v2 = Done(releases.SetConfig("web", {{"DB_URL", "postgres://x"}, {"MODE", "fast"}}));
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.artifact, a);
  EXPECT_EQ(v2.description, "Set DB_URL, MODE");
  Deployment v3 = Done(releases.Scale("web", 3));
  EXPECT_EQ(v3.version, 3);
  EXPECT_EQ(v3.description, "Scale to 3");
  ReleaseSpec last = runtime.deployed().back();
  EXPECT_EQ(last.instances, 3);
  EXPECT_EQ(last.env.at("DB_URL"), "postgres://x");
  EXPECT_EQ(last.env.at("MODE"), "fast");
  Deployment v4 = Done(releases.SetConfig("web", {{"MODE", std::nullopt}}));
  EXPECT_EQ(v4.description, "Unset MODE");
  EXPECT_EQ(runtime.deployed().back().env.count("MODE"), 0u);
  EXPECT_EQ(runtime.deployed().back().instances, 3) << "scale carries over";
  EXPECT_EQ(deploys.Get(v3.id)->status, "superseded");
  auto list = releases.List("web", {2, ""});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].version, 4);
  EXPECT_EQ(list->next, "3");
  EXPECT_EQ(releases.Get("web", 2)->description, "Set DB_URL, MODE");
  EXPECT_EQ(releases.Get("web", 9).status().code(), ErrorCode::kNotFound);
}

TEST_F(ReleasesTest, ConfigValuesAreSealedAtRestAndOpenedForTheRuntime) {
  Deployment v1 = Done(releases.SetConfig("web", {{"API_KEY", "s3cr3t-value"}}));
  EXPECT_EQ(v1.status, "recorded") << "nothing deployed yet: the config waits";
  EXPECT_TRUE(runtime.deployed().empty());
  auto stored = store->GetDeployment(v1.id);
  ASSERT_TRUE(stored.ok());
  const std::string& sealed = stored->config.at("API_KEY");
  EXPECT_TRUE(sealed.starts_with(crypto::kSealedPrefix));
  EXPECT_EQ(sealed.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(releases.Config("web")->at("API_KEY"), "s3cr3t-value");
  Deployment v2 = Done(releases.Deploy("web", RegisterArtifact("web")));
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(runtime.deployed().back().env.at("API_KEY"), "s3cr3t-value");
  ConfigCipher other(std::string(32, 'z'));
  EXPECT_EQ(other.Open("web", stored->config).status().code(), ErrorCode::kInternal);
}

TEST_F(ReleasesTest, BadConfigAndScaleRequestsAreRefusedAndRecordNothing) {
  EXPECT_EQ(releases.SetConfig("web", {}).status().code(), ErrorCode::kInvalidArgument);
  for (const char* name : {"PORT", "AETHER_APP", "1ABC", "A-B", ""}) {
    EXPECT_EQ(releases.SetConfig("web", {{name, "v"}}).status().code(), ErrorCode::kInvalidArgument)
        << name;
  }
  EXPECT_EQ(releases.SetConfig("web", {{"BIG", std::string(33 * 1024, 'x')}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(releases.Scale("web", 2).status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(releases.SetConfig("ghost", {{"A", "1"}}).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(releases.List("web", {})->items.empty());
  Done(releases.Deploy("web", RegisterArtifact("web")));
  EXPECT_EQ(releases.Scale("web", 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(releases.Scale("web", 101).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ReleasesTest, RollbackRestoresArtifactConfigAndScaleOfTheTarget) {
  EXPECT_EQ(releases.Rollback("web", std::nullopt).status().code(), ErrorCode::kFailedPrecondition);
  std::string a = RegisterArtifact("web", "a");
  std::string b = RegisterArtifact("web", "b");
  Done(releases.Deploy("web", a, {{"LEVEL", "one"}}));    // v1
  Done(releases.Deploy("web", b));                        // v2
  Done(releases.SetConfig("web", {{"LEVEL", "three"}}));  // v3
  Deployment v4 = Done(releases.Rollback("web", std::nullopt));
  EXPECT_EQ(v4.version, 4);
  EXPECT_EQ(v4.description, "Rollback to v2");
  EXPECT_EQ(v4.artifact, b);
  EXPECT_EQ(runtime.deployed().back().env.at("LEVEL"), "one");
  Deployment v5 = Done(releases.Rollback("web", 1));
  EXPECT_EQ(v5.artifact, a);
  EXPECT_EQ(v5.description, "Rollback to v1");
  EXPECT_EQ(releases.Rollback("web", 99).status().code(), ErrorCode::kNotFound);
}

// Two aetherd replicas on one database (two ReleaseServices over one store) changing config at
// once: every change lands, none is lost to a release built from a stale config.
TEST_F(ReleasesTest, ConcurrentChangesFromTwoReplicasAreAllKept) {
  DeployService other_deploys{*store, runtime, cipher};
  ReleaseService other{*store, other_deploys, cipher};
  auto change = [](ReleaseService* replica, const std::string& prefix) {
    for (int i = 0; i < 15; ++i) {
      auto r = replica->SetConfig("web", {{prefix + std::to_string(i), "v"}});
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    }
  };
  std::thread a(change, &releases, "A");
  std::thread b(change, &other, "B");
  a.join();
  b.join();
  auto config = releases.Config("web");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->size(), 30u);
  EXPECT_EQ(releases.List("web", {1, ""})->items[0].version, 30);
}

TEST_F(ReleasesTest, AFailedReleaseKeepsThePreviousOneRunning) {
  Deployment v1 = Done(releases.Deploy("web", RegisterArtifact("web")));
  Deployment v2 = Done(releases.SetConfig("web", {{"FAKE_FAIL", "boom"}}));
  EXPECT_EQ(v2.status, "failed");
  EXPECT_EQ(v2.reason, "boom");
  EXPECT_EQ(apps.Get("web")->current_deployment, v1.id);
  EXPECT_EQ(deploys.Get(v1.id)->status, "running");
  auto events = deploys.Events(v2.id, {});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->items.front().type, "created");
  EXPECT_EQ(events->items.back().type, "failed");
  EXPECT_EQ(events->items.back().message, "boom");
}

TEST_F(ReleasesTest, QuotasRefuseNewArtifactsButNotReRegistrations) {
  ArtifactPolicy policy;
  policy.limits.max_artifacts = 2;
  ArtifactService limited(*store, *blobs, UrlSigner("k"), policy);
  auto manifest = [&](const std::string& content) {
    std::string layer = "layer-" + content;
    artifact::Manifest m;
    m.app = "web";
    m.layers.push_back({*Digest::Parse(Upload(layer)), static_cast<long long>(layer.size()),
                        std::string(artifact::kLayerMediaType), "app"});
    m.command = {"node", "index.js"};
    return artifact::SerializeManifest(m);
  };
  ASSERT_TRUE(limited.Register("web", manifest("1")).ok());
  ASSERT_TRUE(limited.Register("web", manifest("2")).ok());
  auto third = limited.Register("web", manifest("3"));
  EXPECT_EQ(third.status().code(), ErrorCode::kQuotaExceeded);
  EXPECT_NE(third.status().message().find("AETHER_QUOTA_ARTIFACTS"), std::string::npos);
  EXPECT_TRUE(limited.Register("web", manifest("2")).ok()) << "already stored: no new usage";
  policy.limits = {0, 10, 0};
  ArtifactService small(*store, *blobs, UrlSigner("k"), policy);
  EXPECT_EQ(small.Register("web", manifest("4")).status().code(), ErrorCode::kQuotaExceeded);
}

TEST_F(ReleasesTest, RetentionKeepsReferencedAndNewestArtifactsAndFreesTheirLayers) {
  ArtifactPolicy policy;
  policy.limits.retain = 1;
  ArtifactService kept(*store, *blobs, UrlSigner("k"), policy);
  auto reg = [&](const std::string& content) {
    std::string layer = "retained-" + content;
    artifact::Manifest m;
    m.app = "web";
    m.layers.push_back({*Digest::Parse(Upload(layer)), static_cast<long long>(layer.size()),
                        std::string(artifact::kLayerMediaType), "app"});
    m.command = {"node", "index.js"};
    auto rec = kept.Register("web", artifact::SerializeManifest(m));
    EXPECT_TRUE(rec.ok()) << rec.status().ToString();
    return std::make_pair(rec->digest, m.layers[0].digest);
  };
  auto [a, a_layer] = reg("a");
  Done(releases.Deploy("web", a));  // referenced from now on
  auto [b, b_layer] = reg("b");
  auto [c, c_layer] = reg("c");
  EXPECT_TRUE(store->GetArtifact("web", a).ok()) << "referenced by a release";
  EXPECT_EQ(store->GetArtifact("web", b).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store->GetArtifact("web", c).ok()) << "the newest unreferenced one stays";
  EXPECT_FALSE(*blobs->Exists(b_layer)) << "its layer is freed";
  EXPECT_TRUE(*blobs->Exists(a_layer));
  EXPECT_TRUE(*blobs->Exists(c_layer));
}

TEST_F(ReleasesTest, RestartFailsInterruptedRolloutsAndResumesRunningReleases) {
  Done(releases.SetConfig("web", {{"TOKEN", "t"}}));
  Deployment v2 = Done(releases.Deploy("web", RegisterArtifact("web")));
  ASSERT_EQ(v2.status, "running");
  Deployment stuck = *store->GetDeployment(v2.id);
  stuck.id = "dep_interrupted";
  stuck.status = "deploying";
  stuck.version = 0;
  auto created = store->CreateDeployment(stuck);
  ASSERT_TRUE(created.ok());
  deploys.RecoverAndResume();
  deploys.Shutdown();
  auto after = store->GetDeployment("dep_interrupted");
  EXPECT_EQ(after->status, "failed");
  EXPECT_NE(after->reason.find("interrupted"), std::string::npos);
  ASSERT_EQ(runtime.resumed().size(), 1u);
  EXPECT_EQ(runtime.resumed()[0].deployment_id, v2.id);
  EXPECT_EQ(runtime.resumed()[0].env.at("TOKEN"), "t");
  EXPECT_EQ(releases.Deploy("web", v2.artifact).status().code(), ErrorCode::kUnavailable)
      << "after Shutdown nothing new starts";
}

TEST(Idempotency, ReplaysTheFirstAnswerAndRefusesAnotherRequest) {
  auto store = NewMemoryStore();
  IdempotencyService idem(*store);
  auto first = idem.Begin("tok1", "key-1", "hash-a");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  auto during = idem.Begin("tok1", "key-1", "hash-a");
  EXPECT_EQ(during.status().code(), ErrorCode::kIdempotencyConflict) << "still in flight";
  idem.Finish("tok1", "key-1", {202, R"({"version":3})"});
  auto replay = idem.Begin("tok1", "key-1", "hash-a");
  ASSERT_TRUE(replay.ok() && replay->has_value());
  EXPECT_EQ((*replay)->status, 202);
  EXPECT_EQ((*replay)->body, R"({"version":3})");
  EXPECT_EQ(idem.Begin("tok1", "key-1", "hash-b").status().code(), ErrorCode::kIdempotencyConflict);
  EXPECT_FALSE(idem.Begin("tok2", "key-1", "hash-b")->has_value()) << "keys are per token";
  EXPECT_EQ(idem.Begin("tok1", "", "h").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(idem.Begin("tok1", "bad key", "h").status().code(), ErrorCode::kInvalidArgument);
  ASSERT_FALSE(idem.Begin("tok1", "key-5xx", "h")->has_value());
  idem.Finish("tok1", "key-5xx", {503, "{}"});
  EXPECT_FALSE(idem.Begin("tok1", "key-5xx", "h")->has_value()) << "a 5xx answer is not kept";
}

TEST(Idempotency, ExpiredKeysAreForgotten) {
  auto store = NewMemoryStore();
  // Everything is already old, and every call purges.
  IdempotencyService idem(*store, std::chrono::seconds(-5), std::chrono::seconds(0));
  ASSERT_FALSE(idem.Begin("t", "k", "h1")->has_value());
  idem.Finish("t", "k", {200, "{}"});
  EXPECT_FALSE(idem.Begin("t", "k", "h2")->has_value()) << "purged before the lookup";
}

}  // namespace
}  // namespace aether
