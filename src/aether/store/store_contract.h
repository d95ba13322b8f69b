// The MetadataStore contract suite: every implementation instantiates it with a factory
// (AETHER_STORE_CONTRACT(Name, factory)), so the fake and the real stores behave alike.
// Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "aether/store/store.h"

namespace aether::contract {

using StoreFactory = std::function<std::unique_ptr<MetadataStore>()>;

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam()();
    ASSERT_NE(store_, nullptr);
  }
  MetadataStore& store() { return *store_; }

  Deployment MakeDeployment(const std::string& id, const std::string& app) {
    Deployment d;
    d.id = id;
    d.app = app;
    d.artifact = "sha256:" + std::string(64, 'a');
    d.created_at = d.updated_at = "2026-01-01T00:00:00.000Z";
    return d;
  }

  // An artifact of app "web" registered at "t0", with no evidence.
  static ArtifactRecord MakeArtifact(char hex, const std::string& manifest, long long size) {
    ArtifactRecord a;
    a.digest = "sha256:" + std::string(64, hex);
    a.app = "web";
    a.manifest = manifest;
    a.size = size;
    a.created_at = "t0";
    return a;
  }

 private:
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(StoreContract, AppsCreateGetListDelete) {
  EXPECT_TRUE(store().Ping().ok());
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t1", ""}).ok());
  EXPECT_EQ(store().CreateApp({"web", "t2", ""}).code(), ErrorCode::kAlreadyExists);
  auto app = store().GetApp("web");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->created_at, "t0");
  auto list = store().ListApps();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "api");
  EXPECT_TRUE(store().DeleteApp("web").ok());
  EXPECT_EQ(store().GetApp("web").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().DeleteApp("web").code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, ArtifactsAreIdempotentAndScopedToTheirApp) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ArtifactRecord a = MakeArtifact('b', "{\"m\":1}", 42);
  ASSERT_TRUE(store().PutArtifact(a).ok());
  ASSERT_TRUE(store().PutArtifact(a).ok());
  auto got = store().GetArtifact("web", a.digest);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->manifest, "{\"m\":1}");
  EXPECT_EQ(got->size, 42);
  EXPECT_EQ(store().GetArtifact("other", a.digest).status().code(), ErrorCode::kNotFound);
  a.app = "ghost";
  EXPECT_EQ(store().PutArtifact(a).code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, ArtifactEvidenceIsReplacedOnReRegistration) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ArtifactRecord a = MakeArtifact('c', "{\"m\":2}", 7);
  ASSERT_TRUE(store().PutArtifact(a).ok());
  EXPECT_EQ(store().FindArtifact(a.digest)->signature, "");
  ArtifactRecord signed_copy = a;
  signed_copy.manifest = "ignored: the first manifest stays";
  signed_copy.created_at = "t9";
  signed_copy.signature = "{\"sig\":1}";
  signed_copy.signed_by = "sha256:k1";
  signed_copy.sbom = "{\"bomFormat\":\"CycloneDX\"}";
  signed_copy.provenance = "{\"payload\":\"x\"}";
  signed_copy.provenance_signed_by = "sha256:k1";
  ASSERT_TRUE(store().PutArtifact(signed_copy).ok());
  auto got = store().FindArtifact(a.digest);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->app, "web");
  EXPECT_EQ(got->manifest, "{\"m\":2}");
  EXPECT_EQ(got->created_at, "t0");
  EXPECT_EQ(got->signature, "{\"sig\":1}");
  EXPECT_EQ(got->signed_by, "sha256:k1");
  EXPECT_EQ(got->sbom, "{\"bomFormat\":\"CycloneDX\"}");
  EXPECT_EQ(got->provenance, "{\"payload\":\"x\"}");
  EXPECT_EQ(got->provenance_signed_by, "sha256:k1");
  EXPECT_EQ(store().GetArtifact("web", a.digest)->signed_by, "sha256:k1");
  EXPECT_EQ(store().FindArtifact("sha256:" + std::string(64, 'd')).status().code(),
            ErrorCode::kNotFound);
}

TEST_P(StoreContract, PublicKeysListDeactivateAndGoWithTheirApp) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  PublicKey k1{"sha256:k1", "web", "laptop", "PEM1", true, "t1", ""};
  PublicKey k2{"sha256:k2", "web", "ci", "PEM2", true, "t2", ""};
  ASSERT_TRUE(store().PutPublicKey(k1).ok());
  ASSERT_TRUE(store().PutPublicKey(k2).ok());
  EXPECT_EQ(store().PutPublicKey(k1).code(), ErrorCode::kAlreadyExists);
  PublicKey other = k1;
  other.app = "api";  // the same key may sign for several apps
  ASSERT_TRUE(store().PutPublicKey(other).ok());
  other.app = "ghost";
  EXPECT_EQ(store().PutPublicKey(other).code(), ErrorCode::kNotFound);

  auto keys = store().ListPublicKeys("web");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "sha256:k1");
  EXPECT_EQ((*keys)[0].name, "laptop");
  EXPECT_EQ((*keys)[0].pem, "PEM1");
  EXPECT_TRUE((*keys)[0].active);
  EXPECT_EQ((*keys)[1].id, "sha256:k2");

  auto off = store().DeactivatePublicKey("web", "sha256:k1", "t5");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->active);
  EXPECT_EQ(off->deactivated_at, "t5");
  auto again = store().DeactivatePublicKey("web", "sha256:k1", "t6");  // idempotent
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->deactivated_at, "t5");
  EXPECT_FALSE((*store().ListPublicKeys("web"))[0].active);
  EXPECT_TRUE((*store().ListPublicKeys("api"))[0].active);
  EXPECT_EQ(store().DeactivatePublicKey("web", "sha256:zz", "t7").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store().ListPublicKeys("ghost").status().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(store().DeleteApp("web").ok());
  ASSERT_TRUE(store().CreateApp({"web", "t8", ""}).ok());
  EXPECT_TRUE(store().ListPublicKeys("web")->empty());
}

TEST_P(StoreContract, DeploymentsRoundTripNewestFirst) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateDeployment(MakeDeployment("dep_1", "web")).ok());
  auto d2 = MakeDeployment("dep_2", "web");
  ASSERT_TRUE(store().CreateDeployment(d2).ok());
  d2.status = "running";
  d2.url = "http://web.localhost:7080/";
  d2.phases = {{"fetch", 12}, {"ready", 340}};
  ASSERT_TRUE(store().UpdateDeployment(d2).ok());
  auto got = store().GetDeployment("dep_2");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "running");
  ASSERT_EQ(got->phases.size(), 2u);
  EXPECT_EQ(got->phases[1].name, "ready");
  EXPECT_EQ(got->phases[1].ms, 340);
  auto list = store().ListDeployments("web");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "dep_2");
  EXPECT_EQ(store().ListDeployments("ghost").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().CreateDeployment(MakeDeployment("dep_3", "ghost")).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store().UpdateDeployment(MakeDeployment("dep_9", "web")).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().SetCurrentDeployment("web", "dep_2").ok());
  EXPECT_EQ(store().GetApp("web")->current_deployment, "dep_2");
  ASSERT_TRUE(store().DeleteApp("web").ok());
  EXPECT_EQ(store().GetDeployment("dep_2").status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, DeploymentEventsInOrderAndGoneWithTheApp) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateDeployment(MakeDeployment("dep_1", "web")).ok());
  ASSERT_TRUE(store().CreateDeployment(MakeDeployment("dep_2", "web")).ok());
  ASSERT_TRUE(store().AppendEvent({0, "dep_1", "t1", "created", ""}).ok());
  ASSERT_TRUE(store().AppendEvent({0, "dep_2", "t1", "created", ""}).ok());
  ASSERT_TRUE(store().AppendEvent({0, "dep_1", "t2", "failed", "layer digest mismatch"}).ok());
  EXPECT_EQ(store().AppendEvent({0, "dep_9", "t3", "created", ""}).code(), ErrorCode::kNotFound);
  auto events = store().ListEvents("dep_1");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].type, "created");
  EXPECT_EQ((*events)[1].type, "failed");
  EXPECT_EQ((*events)[1].message, "layer digest mismatch");
  EXPECT_EQ((*events)[1].time, "t2");
  EXPECT_LT((*events)[0].seq, (*events)[1].seq);
  EXPECT_EQ(store().ListEvents("dep_9").status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().DeleteApp("web").ok());
  EXPECT_EQ(store().ListEvents("dep_1").status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, TokensByHash) {
  ASSERT_TRUE(store().PutToken({"tok_1", "bootstrap", "h1", "admin", "t0"}).ok());
  ASSERT_TRUE(store().PutToken({"tok_2", "agent", "h2", "pull", "t0"}).ok());
  auto t = store().FindTokenByHash("h1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->role, "admin");
  EXPECT_EQ(store().FindTokenByHash("nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*store().CountTokens("admin"), 1);
  EXPECT_EQ(*store().CountTokens("pull"), 1);
}

}  // namespace aether::contract

#define AETHER_STORE_CONTRACT(name, factory)                                              \
  namespace aether::contract {                                                            \
  INSTANTIATE_TEST_SUITE_P(name, StoreContract, ::testing::Values(StoreFactory(factory)), \
                           [](const auto&) { return std::string("impl"); });              \
  }
