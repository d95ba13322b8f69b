// Rollout evaluation from Deployment and pod status, as the API server reports them.
#include "aether/runtime/kubernetes/rollout.h"

#include <gtest/gtest.h>

namespace aether::kubert {
namespace {

using Json = nlohmann::json;

Json Deployment(long long generation, long long observed, int want, int updated, int total,
                int available) {
  return {{"metadata", {{"generation", generation}}},
          {"spec", {{"replicas", want}}},
          {"status",
           {{"observedGeneration", observed},
            {"updatedReplicas", updated},
            {"replicas", total},
            {"availableReplicas", available}}}};
}

Json Pod(const std::string& name, bool initialized, bool ready) {
  return {{"metadata", {{"name", name}}},
          {"status",
           {{"phase", "Running"},
            {"conditions",
             {{{"type", "Initialized"}, {"status", initialized ? "True" : "False"}},
              {{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

TEST(Rollout, ReadyOnlyWhenTheNewReplicaSetIsFullyAvailableAndTheOldIsGone) {
  std::vector<Json> pods = {Pod("a", true, true), Pod("b", true, true)};
  EXPECT_EQ(EvaluateRollout(Deployment(3, 3, 2, 2, 2, 2), 3, pods, 2).phase, RolloutState::kReady);
  // The controller has not observed our generation yet.
  EXPECT_EQ(EvaluateRollout(Deployment(3, 2, 2, 2, 2, 2), 3, pods, 2).phase,
            RolloutState::kProgressing);
  // An old pod is still terminating.
  EXPECT_EQ(EvaluateRollout(Deployment(3, 3, 2, 2, 3, 2), 3, pods, 2).phase,
            RolloutState::kProgressing);
  // Updated but not yet available.
  EXPECT_EQ(EvaluateRollout(Deployment(3, 3, 2, 2, 2, 1), 3, pods, 2).phase,
            RolloutState::kProgressing);
  // Not all of our pods are ready.
  auto s = EvaluateRollout(Deployment(3, 3, 2, 2, 2, 2), 3,
                           {Pod("a", true, true), Pod("b", true, false)}, 2);
  EXPECT_EQ(s.phase, RolloutState::kProgressing);
  EXPECT_EQ(s.ready, 1);
  EXPECT_TRUE(s.initialized);
  EXPECT_FALSE(
      EvaluateRollout(Deployment(3, 3, 2, 0, 2, 2), 3, {Pod("a", false, false)}, 2).initialized);
}

TEST(Rollout, InitContainerFailureCarriesItsOutput) {
  Json pod = Pod("web-1", false, false);
  pod["status"]["initContainerStatuses"] = {
      {{"name", "fetch"},
       {"restartCount", 1},
       {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
       {"lastState",
        {{"terminated",
          {{"exitCode", 1},
           {"reason", "Error"},
           {"message", "aether-agent: fetch: layer sha256:ab does not match its digest\n"}}}}}}};
  auto s = EvaluateRollout(Deployment(1, 1, 1, 1, 1, 0), 1, {pod}, 2);
  ASSERT_EQ(s.phase, RolloutState::kFailed);
  EXPECT_EQ(s.reason,
            "pod web-1: init container fetch failed, exit code 1: aether-agent: fetch: layer "
            "sha256:ab does not match its digest");
}

TEST(Rollout, CrashLoopAndRestartLimitFail) {
  Json pod = Pod("web-2", true, false);
  pod["status"]["containerStatuses"] = {
      {{"name", "app"},
       {"restartCount", 1},
       {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
       {"lastState", {{"terminated", {{"exitCode", 3}, {"message", "boom"}}}}}}};
  auto s = EvaluateRollout(Deployment(1, 1, 1, 1, 1, 0), 1, {pod}, 5);
  ASSERT_EQ(s.phase, RolloutState::kFailed);
  EXPECT_EQ(s.reason,
            "pod web-2: container app keeps crashing (1 restarts), last exit code 3: boom");

  // Running again, but it has restarted crash_limit times already.
  pod["status"]["containerStatuses"][0]["restartCount"] = 2;
  pod["status"]["containerStatuses"][0]["state"] = {{"running", Json::object()}};
  EXPECT_EQ(EvaluateRollout(Deployment(1, 1, 1, 1, 1, 0), 1, {pod}, 2).phase,
            RolloutState::kFailed);
  EXPECT_EQ(EvaluateRollout(Deployment(1, 1, 1, 1, 1, 0), 1, {pod}, 3).phase,
            RolloutState::kProgressing);
}

TEST(Rollout, ImagePullErrorsAndTheProgressDeadlineFail) {
  Json pod = Pod("web-3", false, false);
  pod["status"]["initContainerStatuses"] = {
      {{"name", "fetch"},
       {"state",
        {{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "no such image nginx:1"}}}}}}};
  auto s = EvaluateRollout(Deployment(1, 1, 1, 1, 1, 0), 1, {pod}, 2);
  ASSERT_EQ(s.phase, RolloutState::kFailed);
  EXPECT_EQ(s.reason, "pod web-3: init container fetch: ImagePullBackOff: no such image nginx:1");

  Json dep = Deployment(1, 1, 1, 1, 1, 0);
  dep["status"]["conditions"] = {{{"type", "Progressing"},
                                  {"status", "False"},
                                  {"reason", "ProgressDeadlineExceeded"},
                                  {"message", "ReplicaSet \"web-5d\" has timed out progressing."}}};
  s = EvaluateRollout(dep, 1, {Pod("x", true, false)}, 2);
  ASSERT_EQ(s.phase, RolloutState::kFailed);
  EXPECT_NE(s.reason.find("has timed out progressing"), std::string::npos);
}

TEST(Rollout, TerminatingPodsAreIgnored) {
  Json pod = Pod("old", true, false);
  pod["metadata"]["deletionTimestamp"] = "2026-11-28T10:00:00Z";
  pod["status"]["containerStatuses"] = {
      {{"name", "app"},
       {"restartCount", 9},
       {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}};
  EXPECT_EQ(EvaluateRollout(Deployment(1, 1, 1, 1, 1, 0), 1, {pod}, 2).phase,
            RolloutState::kProgressing);
}

}  // namespace
}  // namespace aether::kubert
