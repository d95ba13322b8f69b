// MetadataStore contract, releases: deployments with per-app versions, their config, paging,
// status queries, events, and DeleteApp's cascade. Included by store_contract.h only.
// Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "aether/store/store_contract_fixture.h"

namespace aether::contract {

TEST_P(StoreContract, DeploymentsRoundTripNewestFirst) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  Create(MakeDeployment("dep_1", "web"));
  auto d2 = Create(MakeDeployment("dep_2", "web"));
  d2.status = "running";
  d2.url = "http://web.localhost:7080/";
  d2.phases = {{"fetch", 12}, {"ready", 340}};
  d2.updated_at = "2026-01-01T00:00:09.000Z";
  ASSERT_TRUE(store().UpdateDeployment(d2).ok());
  auto got = store().GetDeployment("dep_2");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "running");
  EXPECT_EQ(got->url, "http://web.localhost:7080/");
  EXPECT_EQ(got->updated_at, "2026-01-01T00:00:09.000Z");
  EXPECT_EQ(got->created_at, "2026-01-01T00:00:00.000Z");
  ASSERT_EQ(got->phases.size(), 2u);
  EXPECT_EQ(got->phases[1].name, "ready");
  EXPECT_EQ(got->phases[1].ms, 340);
  auto list = store().ListDeployments("web", {});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].id, "dep_2");
  EXPECT_EQ(list->items[0].phases.size(), 2u);
  EXPECT_EQ(list->next, "");
  EXPECT_EQ(store().ListDeployments("ghost", {}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().CreateDeployment(MakeDeployment("dep_3", "ghost")).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store().UpdateDeployment(MakeDeployment("dep_9", "web")).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().GetDeployment("dep_9").status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().SetCurrentDeployment("web", "dep_2").ok());
  EXPECT_EQ(store().GetApp("web")->current_deployment, "dep_2");
  ASSERT_TRUE(store().DeleteApp("web").ok());
  EXPECT_EQ(store().GetDeployment("dep_2").status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, VersionsCountFromOnePerAppAndGetReleaseFindsThem) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  Deployment w1 = Create(MakeDeployment("dep_w1", "web"));  // version 0: the store assigns it
  EXPECT_EQ(w1.version, 1);
  EXPECT_EQ(w1.id, "dep_w1");
  EXPECT_EQ(w1.app, "web");
  EXPECT_EQ(w1.artifact, Digest('a'));
  EXPECT_EQ(w1.status, "pending");
  EXPECT_EQ(w1.created_at, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(Create(MakeDeployment("dep_a1", "api")).version, 1);
  EXPECT_EQ(Create(MakeDeployment("dep_w2", "web")).version, 2);
  EXPECT_EQ(Create(MakeDeployment("dep_a2", "api")).version, 2);
  EXPECT_EQ(Create(MakeDeployment("dep_w3", "web")).version, 3);

  auto release = store().GetRelease("web", 2);
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->id, "dep_w2");
  EXPECT_EQ(release->version, 2);
  EXPECT_EQ(store().GetRelease("api", 2)->id, "dep_a2");
  EXPECT_EQ(store().GetDeployment("dep_w3")->version, 3);
  EXPECT_EQ(store().GetRelease("web", 4).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().GetRelease("web", 0).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().GetRelease("ghost", 1).status().code(), ErrorCode::kNotFound);
}

// A non-zero version is the caller's expectation of the next one; a stale one writes nothing.
TEST_P(StoreContract, AnExpectedVersionMustBeTheNextOne) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  EXPECT_EQ(Create(MakeDeployment("dep_1", "web")).version, 1);
  Deployment ahead = MakeDeployment("dep_x", "web");
  ahead.version = 3;
  EXPECT_EQ(store().CreateDeployment(ahead).status().code(), ErrorCode::kConflict);
  Deployment next = MakeDeployment("dep_2", "web");
  next.version = 2;
  EXPECT_EQ(Create(next).version, 2);
  Deployment stale = MakeDeployment("dep_y", "web");
  stale.version = 2;
  auto lost = store().CreateDeployment(stale);
  EXPECT_EQ(lost.status().code(), ErrorCode::kConflict);
  EXPECT_NE(lost.status().message().find("v2"), std::string::npos);
  EXPECT_EQ(store().GetDeployment("dep_x").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().GetDeployment("dep_y").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().ListDeployments("web", {})->items.size(), 2u);
}

TEST_P(StoreContract, ConcurrentCreatesGetDistinctConsecutiveVersions) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::vector<long long>> versions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "dep_" + std::to_string(t) + "_" + std::to_string(i);
        auto d = store().CreateDeployment(MakeDeployment(id, "web"));
        versions[t].push_back(d.ok() ? d->version : -1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<long long> all;
  for (const auto& v : versions) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  std::vector<long long> expected(kThreads * kEach);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<long long>(i) + 1;
  EXPECT_EQ(all, expected);
}

TEST_P(StoreContract, DescriptionConfigAndInstancesRoundTripAndUpdateKeepsThem) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  Deployment d = MakeDeployment("dep_1", "web");
  d.description = "Set FOO, ÜBER";
  d.config = {{"FOO", "bar"},
              {"EMPTY", ""},
              {"ÜBER", "naïve 日本語 ✓"},
              {"MULTI", "line1\nline2\t\"quoted\" {json:[1]}"},
              {"with space", "=equals="}};
  d.instances = 3;
  d.strategy = "dev-hot";
  Deployment stored = Create(d);
  EXPECT_EQ(stored.config, d.config);
  EXPECT_EQ(stored.description, d.description);
  EXPECT_EQ(stored.instances, 3);

  auto got = store().GetDeployment("dep_1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->config, d.config);
  EXPECT_EQ(got->description, "Set FOO, ÜBER");
  EXPECT_EQ(got->instances, 3);
  EXPECT_EQ(got->strategy, "dev-hot");
  EXPECT_EQ(store().GetRelease("web", 1)->config, d.config);
  EXPECT_EQ(store().ListDeployments("web", {})->items.at(0).config, d.config);
  EXPECT_EQ(store().ListDeploymentsInStatus("pending")->at(0).config, d.config);

  // UpdateDeployment touches status, reason, url, phases and updated_at only.
  Deployment changed = *got;
  changed.status = "failed";
  changed.reason = "readiness timed out";
  changed.config = {{"OTHER", "x"}};
  changed.description = "changed";
  changed.instances = 9;
  changed.version = 7;
  changed.artifact = Digest('f');
  ASSERT_TRUE(store().UpdateDeployment(changed).ok());
  got = store().GetDeployment("dep_1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "failed");
  EXPECT_EQ(got->reason, "readiness timed out");
  EXPECT_EQ(got->config, d.config);
  EXPECT_EQ(got->description, d.description);
  EXPECT_EQ(got->instances, 3);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->artifact, Digest('a'));

  Deployment bare = MakeDeployment("dep_2", "web", "");  // a "recorded" release: no artifact
  bare.status = "recorded";
  Deployment stored_bare = Create(bare);
  EXPECT_TRUE(stored_bare.config.empty());
  EXPECT_EQ(store().GetDeployment("dep_2")->strategy, "rolling");
  EXPECT_EQ(stored_bare.instances, 1);
  EXPECT_TRUE(store().GetDeployment("dep_2")->config.empty());
  EXPECT_EQ(store().GetDeployment("dep_2")->artifact, "");
}

TEST_P(StoreContract, DeploymentsPageNewestFirstByVersion) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  for (int i = 1; i <= 5; ++i) {
    Create(MakeDeployment("dep_w" + std::to_string(i), "web"));
    Create(MakeDeployment("dep_a" + std::to_string(i), "api"));
  }
  auto pages = WalkPages<Deployment>(
      [&](const PageRequest& r) { return store().ListDeployments("web", r); }, 2);
  auto ids = Keys(pages, [](const Deployment& d) { return d.id; });
  ASSERT_EQ(ids, (std::vector<std::vector<std::string>>{
                     {"dep_w5", "dep_w4"}, {"dep_w3", "dep_w2"}, {"dep_w1"}}));
  EXPECT_EQ(pages[0].next, "4");
  EXPECT_EQ(pages[1].next, "2");
  EXPECT_EQ(pages[2].next, "");

  auto from = store().ListDeployments("web", {10, "3"});
  ASSERT_TRUE(from.ok());
  ASSERT_EQ(from->items.size(), 2u);
  EXPECT_EQ(from->items[0].version, 2);
  EXPECT_EQ(from->items[1].version, 1);
  EXPECT_EQ(from->next, "");
  auto exact = store().ListDeployments("api", {5, ""});
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->items.size(), 5u);
  EXPECT_EQ(exact->next, "");
  EXPECT_TRUE(store().ListDeployments("web", {10, "1"})->items.empty());
}

TEST_P(StoreContract, ListDeploymentsInStatusSpansAppsOldestFirst) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  for (const char* id : {"dep_1", "dep_2", "dep_3", "dep_4"}) {
    Deployment d = Create(MakeDeployment(id, id[4] % 2 == 0 ? "api" : "web"));
    d.status = "deploying";
    ASSERT_TRUE(store().UpdateDeployment(d).ok());
  }
  Deployment done = *store().GetDeployment("dep_2");
  done.status = "running";
  ASSERT_TRUE(store().UpdateDeployment(done).ok());

  auto deploying = store().ListDeploymentsInStatus("deploying");
  ASSERT_TRUE(deploying.ok());
  std::vector<std::string> ids;
  for (const auto& d : *deploying) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"dep_1", "dep_3", "dep_4"}));
  EXPECT_EQ(deploying->at(2).app, "api");
  EXPECT_EQ(deploying->at(2).version, 2);
  ASSERT_EQ(store().ListDeploymentsInStatus("running")->size(), 1u);
  EXPECT_TRUE(store().ListDeploymentsInStatus("superseded")->empty());
}

TEST_P(StoreContract, DeploymentEventsInOrderAndGoneWithTheApp) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  Create(MakeDeployment("dep_1", "web"));
  Create(MakeDeployment("dep_2", "web"));
  ASSERT_TRUE(store().AppendEvent({0, "dep_1", "t1", "created", ""}).ok());
  ASSERT_TRUE(store().AppendEvent({0, "dep_2", "t1", "created", ""}).ok());
  ASSERT_TRUE(store().AppendEvent({0, "dep_1", "t2", "failed", "layer digest mismatch"}).ok());
  EXPECT_EQ(store().AppendEvent({0, "dep_9", "t3", "created", ""}).code(), ErrorCode::kNotFound);
  auto events = store().ListEvents("dep_1", {});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 2u);
  EXPECT_EQ(events->next, "");
  EXPECT_EQ(events->items[0].type, "created");
  EXPECT_EQ(events->items[0].deployment, "dep_1");
  EXPECT_EQ(events->items[1].type, "failed");
  EXPECT_EQ(events->items[1].message, "layer digest mismatch");
  EXPECT_EQ(events->items[1].time, "t2");
  EXPECT_LT(events->items[0].seq, events->items[1].seq);
  EXPECT_EQ(store().ListEvents("dep_9", {}).status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().DeleteApp("web").ok());
  EXPECT_EQ(store().ListEvents("dep_1", {}).status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, EventsPageOldestFirstBySeq) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  Create(MakeDeployment("dep_1", "web"));
  Create(MakeDeployment("dep_2", "web"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store().AppendEvent({0, "dep_1", "t", "e" + std::to_string(i), ""}).ok());
    ASSERT_TRUE(store().AppendEvent({0, "dep_2", "t", "other", ""}).ok());
  }
  auto pages = WalkPages<DeploymentEvent>(
      [&](const PageRequest& r) { return store().ListEvents("dep_1", r); }, 2);
  auto types = Keys(pages, [](const DeploymentEvent& e) { return e.type; });
  ASSERT_EQ(types, (std::vector<std::vector<std::string>>{{"e0", "e1"}, {"e2", "e3"}, {"e4"}}));
  EXPECT_EQ(pages[0].next, std::to_string(pages[0].items.back().seq));
  EXPECT_EQ(pages[1].next, std::to_string(pages[1].items.back().seq));
  EXPECT_EQ(pages[2].next, "");
  auto tail = store().ListEvents("dep_1", {10, std::to_string(pages[2].items[0].seq)});
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(tail->items.empty());
  EXPECT_EQ(tail->next, "");
  EXPECT_EQ(store().ListEvents("dep_1", {10, "0"})->items.size(), 5u);
}

TEST_P(StoreContract, DeleteAppRemovesItsReleasesEventsArtifactsAndLayersOnly) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  ArtifactRecord web_art = MakeArtifact('1', "{}", 10, "web");
  web_art.layers = {Digest('7'), Digest('8')};
  ArtifactRecord api_art = MakeArtifact('2', "{}", 20, "api");
  api_art.layers = {Digest('8')};
  ASSERT_TRUE(store().PutArtifact(web_art).ok());
  ASSERT_TRUE(store().PutArtifact(api_art).ok());
  Create(MakeDeployment("dep_w", "web", web_art.digest));
  Create(MakeDeployment("dep_a", "api", api_art.digest));
  ASSERT_TRUE(store().AppendEvent({0, "dep_w", "t1", "created", ""}).ok());
  ASSERT_TRUE(store().AppendEvent({0, "dep_a", "t1", "created", ""}).ok());
  ASSERT_TRUE(store().InsertIdempotency({"k", "h", 0, "", "2026-01-01T00:00:00Z"}).ok());

  ASSERT_TRUE(store().DeleteApp("web").ok());
  EXPECT_EQ(store().GetRelease("web", 1).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().ListEvents("dep_w", {}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().FindArtifact(web_art.digest).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(*store().LayerReferenced(Digest('7')));
  EXPECT_TRUE(*store().LayerReferenced(Digest('8')));  // api's artifact still names it
  EXPECT_EQ(store().ListDeploymentsInStatus("pending")->size(), 1u);
  EXPECT_EQ(store().GetRelease("api", 1)->id, "dep_a");
  EXPECT_EQ(store().ListEvents("dep_a", {})->items.size(), 1u);
  EXPECT_TRUE(store().GetIdempotency("k").ok());  // not app-scoped

  // A new app of the same name starts a new history.
  ASSERT_TRUE(store().CreateApp({"web", "t9", ""}).ok());
  EXPECT_TRUE(store().ListDeployments("web", {})->items.empty());
  EXPECT_TRUE(store().ListArtifacts("web", {})->items.empty());
  EXPECT_EQ(Create(MakeDeployment("dep_w_new", "web")).version, 1);
}

}  // namespace aether::contract
