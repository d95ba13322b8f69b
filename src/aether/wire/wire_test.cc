// Round trips of the API's wire form, and lenient decoding of partial or mistyped input.
#include "aether/wire/wire.h"

#include <gtest/gtest.h>

namespace aether::wire {
namespace {

TEST(Wire, DeploymentRoundTrips) {
  Deployment d;
  d.id = "dep_1";
  d.app = "web";
  d.artifact = "sha256:" + std::string(64, 'a');
  d.status = "failed";
  d.reason = "crashed";
  d.url = "http://web.localhost:7080/";
  d.phases = {{"fetch", 3}, {"ready", 250}};
  d.created_at = "t0";
  d.updated_at = "t1";
  nlohmann::json j = DeploymentJson(d);
  EXPECT_EQ(j["phases"][1]["ms"], 250);
  Deployment back = DeploymentFromJson(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.id, d.id);
  EXPECT_EQ(back.reason, d.reason);
  EXPECT_EQ(back.updated_at, d.updated_at);
  ASSERT_EQ(back.phases.size(), 2u);
  EXPECT_EQ(back.phases[1].name, "ready");
  EXPECT_EQ(back.phases[1].ms, 250);
}

TEST(Wire, AppCarriesItsUrlAndNullWhenNothingRuns) {
  nlohmann::json j = AppJson(App{"web", "t0", ""}, "http://web.localhost:7080/");
  EXPECT_TRUE(j["current_deployment"].is_null());
  std::string url;
  App back = AppFromJson(j, &url);
  EXPECT_EQ(back.name, "web");
  EXPECT_EQ(back.current_deployment, "");
  EXPECT_EQ(url, "http://web.localhost:7080/");
}

TEST(Wire, DecodingToleratesMissingAndMistypedFields) {
  auto d = DeploymentFromJson(
      nlohmann::json::parse(R"({"id":7,"status":"running","phases":[1,{"name":"x","ms":"?"}]})"));
  EXPECT_EQ(d.id, "");
  EXPECT_EQ(d.status, "running");
  ASSERT_EQ(d.phases.size(), 1u);
  EXPECT_EQ(d.phases[0].name, "x");
  EXPECT_EQ(d.phases[0].ms, 0);
}

TEST(Wire, PublicKeyRoundTripsAndAMistypedActiveIsFalse) {
  PublicKey k{"sha256:ab", "web", "ci", "PEM", false, "t0", "t1"};
  nlohmann::json j = PublicKeyJson(k);
  EXPECT_EQ(j["public_key"], "PEM");
  PublicKey back = PublicKeyFromJson(j);
  EXPECT_EQ(back.id, k.id);
  EXPECT_EQ(back.pem, k.pem);
  EXPECT_FALSE(back.active);
  EXPECT_EQ(back.deactivated_at, "t1");
  j["active"] = true;
  EXPECT_TRUE(PublicKeyFromJson(j).active);
  j["active"] = "yes";
  EXPECT_FALSE(PublicKeyFromJson(j).active);
}

}  // namespace
}  // namespace aether::wire
