// MetadataStore contract, artifacts: registration and evidence, layers, paging, usage,
// unreferenced artifacts, deletion and layer references. Included by store_contract.h only.
// Test-only header (includes gtest).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "aether/store/store_contract_fixture.h"

namespace aether::contract {

inline std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

inline std::vector<std::string> DigestsOf(const std::vector<ArtifactRecord>& artifacts) {
  std::vector<std::string> out;
  for (const auto& a : artifacts) out.push_back(a.digest);
  return out;
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
  a.layers = {Digest('1'), Digest('2')};
  ASSERT_TRUE(store().PutArtifact(a).ok());
  EXPECT_EQ(store().FindArtifact(a.digest)->signature, "");
  ArtifactRecord signed_copy = a;
  signed_copy.manifest = "ignored: the first manifest stays";
  signed_copy.layers = {Digest('3')};  // ignored too
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
  EXPECT_EQ(Sorted(got->layers), a.layers);
  EXPECT_EQ(got->signature, "{\"sig\":1}");
  EXPECT_EQ(got->signed_by, "sha256:k1");
  EXPECT_EQ(got->sbom, "{\"bomFormat\":\"CycloneDX\"}");
  EXPECT_EQ(got->provenance, "{\"payload\":\"x\"}");
  EXPECT_EQ(got->provenance_signed_by, "sha256:k1");
  auto by_app = store().GetArtifact("web", a.digest);
  ASSERT_TRUE(by_app.ok());
  EXPECT_EQ(by_app->signed_by, "sha256:k1");
  EXPECT_EQ(Sorted(by_app->layers), a.layers);
  EXPECT_FALSE(*store().LayerReferenced(Digest('3')));
  EXPECT_EQ(store().FindArtifact(Digest('d')).status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, ArtifactsPageNewestRegistrationFirstWithMetadataOnly) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  // Registration order, deliberately not digest order, interleaved with another app's.
  const std::string web_order = "51423";
  const std::string api_order = "abcdf";
  for (size_t i = 0; i < web_order.size(); ++i) {
    char hex = web_order[i];
    ArtifactRecord a = MakeArtifact(hex, "{\"n\":1}", hex - '0');
    a.created_at = std::string("t") + hex;
    a.signature = "{\"sig\":1}";
    a.sbom = "{}";
    a.layers = {Digest('e')};
    ASSERT_TRUE(store().PutArtifact(a).ok());
    ASSERT_TRUE(store().PutArtifact(MakeArtifact(api_order[i], "{}", 1, "api")).ok());
  }
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('5', "{}", 5)).ok());  // stays the oldest

  auto pages = WalkPages<ArtifactRecord>(
      [&](const PageRequest& r) { return store().ListArtifacts("web", r); }, 2);
  auto digests = Keys(pages, [](const ArtifactRecord& a) { return a.digest; });
  ASSERT_EQ(digests, (std::vector<std::vector<std::string>>{
                         {Digest('3'), Digest('2')}, {Digest('4'), Digest('1')}, {Digest('5')}}));
  EXPECT_NE(pages[0].next, "");
  EXPECT_NE(pages[1].next, "");
  EXPECT_EQ(pages[2].next, "");
  const ArtifactRecord& item = pages[0].items[0];
  EXPECT_EQ(item.app, "web");
  EXPECT_EQ(item.size, 3);
  EXPECT_EQ(item.created_at, "t3");
  EXPECT_EQ(item.manifest, "");
  EXPECT_EQ(item.signature, "");
  EXPECT_EQ(item.sbom, "");
  EXPECT_TRUE(item.layers.empty());

  auto exact = store().ListArtifacts("web", {5, ""});
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->items.size(), 5u);
  EXPECT_EQ(exact->next, "");
  EXPECT_EQ(store().ListArtifacts("api", {})->items.size(), 5u);
  EXPECT_EQ(store().ListArtifacts("ghost", {}).status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, ArtifactUsageCountsAndSumsPerApp) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  auto none = store().GetArtifactUsage("web");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->count, 0);
  EXPECT_EQ(none->bytes, 0);
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('1', "{}", 10)).ok());
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('2', "{}", 20)).ok());
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('2', "{}", 20)).ok());
  ASSERT_TRUE(store().PutArtifact(MakeArtifact('3', "{}", 3000000000LL, "api")).ok());
  auto web = store().GetArtifactUsage("web");
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->count, 2);
  EXPECT_EQ(web->bytes, 30);
  auto api = store().GetArtifactUsage("api");
  ASSERT_TRUE(api.ok());
  EXPECT_EQ(api->count, 1);
  EXPECT_EQ(api->bytes, 3000000000LL);
  EXPECT_EQ(store().GetArtifactUsage("ghost").status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, UnreferencedArtifactsAreThoseNoReleaseOfTheAppNames) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  for (char hex : {'1', '2', '3', '4'}) {
    ArtifactRecord a = MakeArtifact(hex, "{\"m\":1}", 1);
    a.signature = "{\"sig\":1}";
    a.layers = {Digest('e')};
    ASSERT_TRUE(store().PutArtifact(a).ok());
  }
  Create(MakeDeployment("dep_1", "web", Digest('2')));
  Create(MakeDeployment("dep_2", "web", Digest('2')));
  Create(MakeDeployment("dep_3", "web", Digest('4')));
  Create(MakeDeployment("dep_4", "api", Digest('1')));  // another app's release does not count

  auto unreferenced = store().ListUnreferencedArtifacts("web");
  ASSERT_TRUE(unreferenced.ok());
  EXPECT_EQ(DigestsOf(*unreferenced), (std::vector<std::string>{Digest('3'), Digest('1')}));
  EXPECT_EQ(unreferenced->at(0).app, "web");
  EXPECT_EQ(unreferenced->at(0).size, 1);
  EXPECT_EQ(unreferenced->at(0).created_at, "t0");
  EXPECT_EQ(unreferenced->at(0).manifest, "");
  EXPECT_EQ(unreferenced->at(0).signature, "");
  EXPECT_TRUE(unreferenced->at(0).layers.empty());
  EXPECT_TRUE(store().ListUnreferencedArtifacts("api")->empty());
  EXPECT_EQ(store().ListUnreferencedArtifacts("ghost").status().code(), ErrorCode::kNotFound);
}

TEST_P(StoreContract, DeleteArtifactRefusesReferencedOnesAndDropsLayers) {
  ASSERT_TRUE(store().CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store().CreateApp({"api", "t0", ""}).ok());
  ArtifactRecord a = MakeArtifact('1', "{}", 10);
  a.layers = {Digest('7'), Digest('8')};
  ArtifactRecord b = MakeArtifact('2', "{}", 20);
  b.layers = {Digest('8'), Digest('9')};
  ArtifactRecord c = MakeArtifact('3', "{}", 30, "api");
  c.layers = {Digest('6')};
  for (const auto& art : {a, b, c}) ASSERT_TRUE(store().PutArtifact(art).ok());
  Create(MakeDeployment("dep_1", "web", b.digest));

  for (char layer : {'6', '7', '8', '9'}) EXPECT_TRUE(*store().LayerReferenced(Digest(layer)));
  EXPECT_FALSE(*store().LayerReferenced(Digest('5')));

  ASSERT_TRUE(store().DeleteArtifact("web", a.digest).ok());
  EXPECT_EQ(store().GetArtifact("web", a.digest).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(*store().LayerReferenced(Digest('7')));
  EXPECT_TRUE(*store().LayerReferenced(Digest('8')));  // b still names it
  EXPECT_EQ(store().DeleteArtifact("web", a.digest).code(), ErrorCode::kNotFound);

  EXPECT_EQ(store().DeleteArtifact("web", b.digest).code(), ErrorCode::kConflict);
  EXPECT_TRUE(store().GetArtifact("web", b.digest).ok());  // nothing deleted
  EXPECT_TRUE(*store().LayerReferenced(Digest('9')));
  EXPECT_EQ(store().GetArtifactUsage("web")->count, 1);

  EXPECT_EQ(store().DeleteArtifact("api", b.digest).code(), ErrorCode::kNotFound);  // not api's
  EXPECT_EQ(store().DeleteArtifact("ghost", a.digest).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store().DeleteArtifact("api", c.digest).ok());
  EXPECT_FALSE(*store().LayerReferenced(Digest('6')));
  EXPECT_EQ(store().GetArtifactUsage("api")->count, 0);

  // Registering a deleted artifact again starts from the new record.
  a.layers = {Digest('5')};
  ASSERT_TRUE(store().PutArtifact(a).ok());
  EXPECT_TRUE(*store().LayerReferenced(Digest('5')));
  EXPECT_FALSE(*store().LayerReferenced(Digest('7')));
}

}  // namespace aether::contract
