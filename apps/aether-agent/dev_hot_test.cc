// Unit tests of dev-hot mode's pure parts: the swap decision, the /status document and the
// release directory names.
#include "dev_hot.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace aether::agent {
namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:0123456789abcdef" + std::string(48, 'b');

TEST(DevHotTest, TargetFromPodReadsTheAnnotations) {
  auto pod = nlohmann::json::parse(R"({"metadata": {"name": "web-1", "annotations": {
      "aether.dev/hot-artifact": "sha256:abc", "aether.dev/hot-deployment": "dep_1",
      "other": "x"}}})");
  EXPECT_EQ(TargetFromPod(pod), (HotTarget{"sha256:abc", "dep_1"}));
  EXPECT_EQ(TargetFromPod(nlohmann::json::parse(R"({"metadata": {"name": "web-1"}})")),
            HotTarget{});
  EXPECT_EQ(TargetFromPod(nlohmann::json::parse(
                R"({"metadata": {"annotations": {"aether.dev/hot-artifact": 7}}})")),
            HotTarget{});
  EXPECT_EQ(TargetFromPod(nlohmann::json()), HotTarget{});
}

TEST(DevHotTest, DecideSwap) {
  HotTarget running{kA, "dep_1"};
  // No annotation: nothing to do.
  EXPECT_EQ(DecideSwap({}, running, {}), HotAction::kNone);
  // The running artifact (again, or under a new deployment id): no restart.
  EXPECT_EQ(DecideSwap({kA, "dep_1"}, running, {}), HotAction::kAdopt);
  EXPECT_EQ(DecideSwap({kA, "dep_2"}, running, {}), HotAction::kAdopt);
  // Another artifact: swap, unless exactly that target failed already.
  EXPECT_EQ(DecideSwap({kB, "dep_2"}, running, {}), HotAction::kSwap);
  EXPECT_EQ(DecideSwap({kB, "dep_2"}, running, {kB, "dep_2"}), HotAction::kNone);
  EXPECT_EQ(DecideSwap({kB, "dep_3"}, running, {kB, "dep_2"}), HotAction::kSwap);
  // Nothing known to run yet (no AETHER_ARTIFACT): any annotation swaps.
  EXPECT_EQ(DecideSwap({kB, "dep_2"}, {}, {}), HotAction::kSwap);
}

TEST(DevHotTest, StatusJsonHasEveryField) {
  HotStatus s;
  s.artifact = kB;
  s.deployment = "dep_2";
  s.state = "failed";
  s.message = "manifest digest mismatch";
  s.running_artifact = kA;
  s.running_deployment = "dep_1";
  s.swaps = 3;
  s.restarts = 1;
  s.pid = 4242;
  auto j = nlohmann::json::parse(StatusJson(s));
  EXPECT_EQ(j["artifact"], kB);
  EXPECT_EQ(j["deployment"], "dep_2");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_EQ(j["message"], "manifest digest mismatch");
  EXPECT_EQ(j["running_artifact"], kA);
  EXPECT_EQ(j["running_deployment"], "dep_1");
  EXPECT_EQ(j["swaps"], 3);
  EXPECT_EQ(j["restarts"], 1);
  EXPECT_EQ(j["pid"], 4242);
  // Invalid UTF-8 in a message must not make the document unparsable.
  s.message = "bad \xff byte";
  EXPECT_TRUE(nlohmann::json::accept(StatusJson(s)));
}

TEST(DevHotTest, ReleaseDirNames) {
  EXPECT_EQ(ReleaseDirName(kB, 1), "0123456789ab-1");
  EXPECT_EQ(ReleaseDirName(kB, 12), "0123456789ab-12");
  EXPECT_EQ(ReleaseDirName("sha256:../../c", 1), "______c-1");  // never a path
  EXPECT_TRUE(IsDevHotLeftover("0123456789ab-1"));
  EXPECT_TRUE(IsDevHotLeftover(".0123456789ab-3.tmp-Ab12cd"));
  EXPECT_TRUE(IsDevHotLeftover(".aether-dl-x1y2z3"));
  EXPECT_FALSE(IsDevHotLeftover("app"));
  EXPECT_FALSE(IsDevHotLeftover(".app.tmp-Ab12cd"));
  EXPECT_FALSE(IsDevHotLeftover("0123456789ab"));
  EXPECT_FALSE(IsDevHotLeftover("0123456789AB-1"));
}

TEST(DevHotTest, OneLine) {
  EXPECT_EQ(OneLine("a\nb\tc\r"), "a b c ");
  EXPECT_EQ(OneLine(std::string(900, 'x')).size(), 500u);
}

}  // namespace
}  // namespace aether::agent
