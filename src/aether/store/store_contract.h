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
  ArtifactRecord a{"sha256:" + std::string(64, 'b'), "web", "{\"m\":1}", 42, "t0"};
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
