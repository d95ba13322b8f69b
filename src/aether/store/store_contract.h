// The MetadataStore contract suite: every implementation instantiates it with a factory
// (AETHER_STORE_CONTRACT(Name, factory)) that returns a fresh, empty store, so the fake and the
// real stores behave alike. Apps, paging, keys, tokens, idempotency and stats are here; releases
// and artifacts in the two headers included below. Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "aether/store/store.h"
#include "aether/store/store_contract_fixture.h"

namespace aether::contract {

TEST_P(StoreContract, AppsCreateGetListDelete) {
  EXPECT_TRUE(store().Ping().ok());
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t1", ""}).ok());
  EXPECT_EQ(store().CreateApp({"web", "t2", ""}).code(), ErrorCode::kAlreadyExists);
  auto app = store().GetApp("web");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->created_at, "t0");
  auto list = store().ListApps({});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].name, "api");
  EXPECT_EQ(list->items[1].created_at, "t0");
  EXPECT_EQ(list->next, "");
  EXPECT_TRUE(store().DeleteApp("web").ok());
  EXPECT_EQ(store().GetApp("web").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().DeleteApp("web").code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().SetCurrentDeployment("web", "dep_1").code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, AppsPageByNameAndNextIsTheLastName) {
  for (const char* name : {"f", "b", "e", "a", "d", "c", "g"}) {
    ASSERT_TRUE(store().CreateApp({name, "t0", ""}).ok());
  }
  auto pages = WalkPages<App>([&](const PageRequest& r) { return store().ListApps(r); }, 3);
  auto names = Keys(pages, [](const App& a) { return a.name; });
  ASSERT_EQ(names,
            (std::vector<std::vector<std::string>>{{"a", "b", "c"}, {"d", "e", "f"}, {"g"}}));
  EXPECT_EQ(pages[0].next, "c");
  EXPECT_EQ(pages[1].next, "f");
  EXPECT_EQ(pages[2].next, "");

  // A page that ends exactly at the last item is the last page.
  auto exact = WalkPages<App>([&](const PageRequest& r) { return store().ListApps(r); }, 7);
  ASSERT_EQ(exact.size(), 1u);
  EXPECT_EQ(exact[0].items.size(), 7u);
  EXPECT_EQ(exact[0].next, "");

  // `after` is a key, not necessarily a present name; past the end is an empty last page.
  auto from = store().ListApps({2, "bb"});
  ASSERT_TRUE(from.ok());
  ASSERT_EQ(from->items.size(), 2u);
  EXPECT_EQ(from->items[0].name, "c");
  EXPECT_EQ(from->next, "d");
  auto past = store().ListApps({2, "z"});
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->items.empty());
  EXPECT_EQ(past->next, "");
}

TEST_P(StoreContract, PageLimitZeroOrNegativeMeansTheDefaultOfFifty) {
  for (int i = 0; i < 51; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "app%02d", i);
    ASSERT_TRUE(store().CreateApp({name, "t0", ""}).ok());
  }
  for (int limit : {0, -5}) {
    auto page = store().ListApps({limit, ""});
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->items.size(), 50u) << "limit " << limit;
    EXPECT_EQ(page->next, "app49");
    auto rest = store().ListApps({limit, page->next});
    ASSERT_TRUE(rest.ok());
    ASSERT_EQ(rest->items.size(), 1u);
    EXPECT_EQ(rest->items[0].name, "app50");
    EXPECT_EQ(rest->next, "");
  }
  auto one = store().ListApps({1, ""});
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->next, "app00");
}

TEST_P(StoreContract, PageLimitAboveTheMaximumIsClamped) {
  for (int i = 0; i <= kMaxPageLimit; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "app%03d", i);
    ASSERT_TRUE(store().CreateApp({name, "t0", ""}).ok());
  }
  auto page = store().ListApps({kMaxPageLimit * 4, ""});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), static_cast<size_t>(kMaxPageLimit));
  EXPECT_EQ(page->next, page->items.back().name);
  auto rest = store().ListApps({kMaxPageLimit * 4, page->next});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->next, "");
}

TEST_P(StoreContract, MalformedNumericCursorIsInvalidArgument) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  Create(MakeDeployment("dep_1", "web"));
  for (const char* bad : {"abc", "12x", "1.5"}) {
    EXPECT_EQ(store().ListDeployments("web", {10, bad}).status().code(),
              ErrorCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(store().ListEvents("dep_1", {10, bad}).status().code(), ErrorCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(store().ListArtifacts("web", {10, bad}).status().code(), ErrorCode::kInvalidArgument)
        << bad;
  }
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

// A token record with only the fields the store is given at creation.
inline TokenRecord Token(std::string id, std::string name, std::string hash, std::string role,
                         std::string created_at) {
  TokenRecord t;
  t.id = std::move(id);
  t.name = std::move(name);
  t.hash = std::move(hash);
  t.role = std::move(role);
  t.created_at = std::move(created_at);
  return t;
}

TEST_P(StoreContract, TokensByHash) {
  ASSERT_TRUE(store().PutToken(Token("tok_1", "bootstrap", "h1", "admin", "t0")).ok());
  ASSERT_TRUE(store().PutToken(Token("tok_2", "agent", "h2", "pull", "t0")).ok());
  auto t = store().FindTokenByHash("h1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->role, "admin");
  EXPECT_EQ(t->id, "tok_1");
  EXPECT_EQ(t->name, "bootstrap");
  EXPECT_EQ(store().FindTokenByHash("nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*store().CountTokens("admin"), 1);
  EXPECT_EQ(*store().CountTokens("pull"), 1);
  EXPECT_EQ(*store().CountTokens("nobody"), 0);
}

TEST_P(StoreContract, TokensKeepScopeAppsExpiryAndSeedingIsIdempotent) {
  TokenRecord t = Token("tok_d", "ci", "h1", "deploy", "2026-01-01T00:00:00.000Z");
  t.apps = {"web", "api"};
  t.expires_at = "2027-01-01T00:00:00.000Z";
  ASSERT_TRUE(store().PutToken(t).ok());
  auto got = store().GetToken("tok_d");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->apps, (std::vector<std::string>{"web", "api"}));
  EXPECT_EQ(got->expires_at, "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(got->last_used_at, "");
  // The same secret again (a seed at the next start) updates in place and keeps revocation.
  TokenRecord revoked = *got;
  revoked.revoked_at = "2026-02-01T00:00:00.000Z";
  ASSERT_TRUE(store().UpdateToken(revoked, "h1").ok());
  t.role = "read";
  t.apps = {};
  ASSERT_TRUE(store().PutToken(t).ok());
  got = store().GetToken("tok_d");
  EXPECT_EQ(got->role, "read");
  EXPECT_TRUE(got->apps.empty());
  EXPECT_EQ(got->revoked_at, "2026-02-01T00:00:00.000Z");
  EXPECT_EQ(*store().CountTokens("read"), 0);  // revoked tokens do not count
  // Another secret with a taken id is refused.
  EXPECT_EQ(store().PutToken(Token("tok_d", "other", "h9", "read", "t")).code(),
            ErrorCode::kAlreadyExists);
  ASSERT_TRUE(store().TouchToken("tok_d", "2026-03-01T00:00:00.000Z").ok());
  EXPECT_EQ(store().GetToken("tok_d")->last_used_at, "2026-03-01T00:00:00.000Z");
  EXPECT_EQ(store().GetToken("tok_x").status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, RotatedTokenIsFoundByBothSecretsAndUpdatesAreConditional) {
  ASSERT_TRUE(
      store().PutToken(Token("tok_b", "b", "hb", "admin", "2026-01-02T00:00:00.000Z")).ok());
  ASSERT_TRUE(store().PutToken(Token("tok_a", "a", "ha", "read", "2026-01-01T00:00:00.000Z")).ok());
  TokenRecord rotated = *store().GetToken("tok_a");
  rotated.hash = "ha2";
  rotated.previous_hash = "ha";
  rotated.previous_until = "2026-01-01T01:00:00.000Z";
  ASSERT_TRUE(store().UpdateToken(rotated, "ha").ok());
  EXPECT_EQ(store().FindTokenByHash("ha2")->id, "tok_a");
  auto old = store().FindTokenByHash("ha");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->hash, "ha2");
  EXPECT_EQ(old->previous_until, "2026-01-01T01:00:00.000Z");
  EXPECT_EQ(store().FindTokenByHash("").status().code(), ErrorCode::kNotFound);
  // A second rotation that read the old hash loses.
  EXPECT_EQ(store().UpdateToken(rotated, "ha").code(), ErrorCode::kConflict);
  EXPECT_EQ(store().UpdateToken(Token("tok_nope", "", "", "", ""), "x").code(),
            ErrorCode::kNotFound);
  auto all = store().ListTokens();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "tok_a");  // oldest first
}

TEST_P(StoreContract, AuditIsNewestFirstPagedAndPurgedByTime) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(store()
                    .AppendAudit({0, "t" + std::to_string(i), "tok_1", "ci", "POST /apps", "web",
                                  201, "127.0.0.1"})
                    .ok());
  }
  auto first = store().ListAudit({.limit = 2, .after = ""});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].time, "t3");
  EXPECT_EQ(first->items[0].status, 201);
  EXPECT_EQ(first->items[0].remote_addr, "127.0.0.1");
  ASSERT_FALSE(first->next.empty());
  auto second = store().ListAudit({.limit = 2, .after = first->next});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].time, "t1");
  EXPECT_TRUE(second->next.empty());
  EXPECT_EQ(*store().PurgeAudit("t3"), 2);  // strictly before
  auto left = store().ListAudit({.limit = 10, .after = ""});
  ASSERT_EQ(left->items.size(), 1u);
  EXPECT_EQ(left->items[0].time, "t3");
  EXPECT_EQ(*store().PurgeAudit("t0"), 0);
}

TEST_P(StoreContract, IdempotencyInsertIsAtomicThenCompleteGetDelete) {
  IdempotencyRecord first{"tok_1:key-1", "hash-a", 0, "", "2026-01-01T00:00:00Z"};
  ASSERT_TRUE(store().InsertIdempotency(first).ok());
  IdempotencyRecord second{"tok_1:key-1", "hash-b", 0, "", "2026-01-01T00:00:05Z"};
  EXPECT_EQ(store().InsertIdempotency(second).code(), ErrorCode::kAlreadyExists);
  auto got = store().GetIdempotency("tok_1:key-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->request_hash, "hash-a");  // the losing insert wrote nothing
  EXPECT_EQ(got->status, 0);
  EXPECT_EQ(got->response, "");
  EXPECT_EQ(got->created_at, "2026-01-01T00:00:00Z");

  ASSERT_TRUE(store().CompleteIdempotency("tok_1:key-1", 201, "{\"id\":\"dep_1\"}").ok());
  got = store().GetIdempotency("tok_1:key-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 201);
  EXPECT_EQ(got->response, "{\"id\":\"dep_1\"}");
  EXPECT_EQ(got->request_hash, "hash-a");
  EXPECT_EQ(store().CompleteIdempotency("tok_1:nope", 200, "").code(), ErrorCode::kNotFound);
  EXPECT_EQ(store().GetIdempotency("tok_1:nope").status().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(store().DeleteIdempotency("tok_1:key-1").ok());
  EXPECT_EQ(store().GetIdempotency("tok_1:key-1").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store().DeleteIdempotency("tok_1:key-1").ok());  // absent is fine
  EXPECT_TRUE(store().InsertIdempotency(second).ok());         // the key is free again
}

TEST_P(StoreContract, IdempotencyPurgeDeletesRecordsCreatedBeforeTheTime) {
  for (const char* day : {"01", "02", "03"}) {
    std::string when = std::string("2026-01-") + day + "T00:00:00Z";
    ASSERT_TRUE(store().InsertIdempotency({std::string("k") + day, "h", 0, "", when}).ok());
  }
  auto purged = store().PurgeIdempotency("2026-01-02T00:00:00Z");  // strictly before
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(store().GetIdempotency("k01").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store().GetIdempotency("k02").ok());
  EXPECT_EQ(*store().PurgeIdempotency("2026-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*store().PurgeIdempotency("2027-01-01T00:00:00Z"), 2);
  EXPECT_EQ(store().GetIdempotency("k03").status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, StatsCountAppsArtifactsBytesAndRunningReleases) {
  auto empty = store().Stats();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->apps, 0);
  EXPECT_EQ(empty->artifacts, 0);
  EXPECT_EQ(empty->artifact_bytes, 0);
  EXPECT_EQ(empty->running_releases, 0);

  for (const char* app : {"web", "api", "job"})
    ASSERT_TRUE(store().CreateApp({app, "t0", ""}).ok());
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('1', "{}", 100, "web")).ok());
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('2', "{}", 20, "web")).ok());
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('3', "{}", 3, "api")).ok());
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('3', "{}", 3, "api")).ok());  // counted once

  Deployment web_running = Create(MakeDeployment("dep_w", "web", Digest('1')));
  web_running.status = "running";
  ASSERT_TRUE(store().UpdateDeployment(web_running).ok());
  Deployment api_pending = Create(MakeDeployment("dep_a", "api", Digest('3')));
  Deployment job_running = Create(MakeDeployment("dep_j", "job", Digest('3')));
  job_running.status = "running";
  ASSERT_TRUE(store().UpdateDeployment(job_running).ok());  // running but not current
  ASSERT_TRUE(store().SetCurrentDeployment("web", "dep_w").ok());
  ASSERT_TRUE(store().SetCurrentDeployment("api", "dep_a").ok());

  auto stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->apps, 3);
  EXPECT_EQ(stats->artifacts, 3);
  EXPECT_EQ(stats->artifact_bytes, 123);
  EXPECT_EQ(stats->running_releases, 1);

  ASSERT_TRUE(store().DeleteApp("web").ok());
  stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->apps, 2);
  EXPECT_EQ(stats->artifacts, 1);
  EXPECT_EQ(stats->artifact_bytes, 3);
  EXPECT_EQ(stats->running_releases, 0);
}

}  // namespace aether::contract

#include "aether/store/store_contract_artifacts.h"
#include "aether/store/store_contract_releases.h"

#define AETHER_STORE_CONTRACT(name, factory)                                              \
  namespace aether::contract {                                                            \
  INSTANTIATE_TEST_SUITE_P(name, StoreContract, ::testing::Values(StoreFactory(factory)), \
                           [](const auto&) { return std::string("impl"); });              \
  }
