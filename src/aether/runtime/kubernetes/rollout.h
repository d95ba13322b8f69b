// Rollout evaluation: from the Deployment and the new release's pods as the API server reports
// them, whether the release is ready, still progressing, or failed (and why). Pure functions,
// so every branch is unit-tested without a cluster.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aether::kubert {

struct RolloutState {
  enum Phase { kProgressing, kReady, kFailed } phase = kProgressing;
  std::string reason;        // why it failed: which pod, which container, its last output
  bool initialized = false;  // every wanted pod of the release has finished its init containers
  int ready = 0;             // pods of the release that are ready
};

// `generation` is the Deployment generation our apply produced; `pods` are the pods labelled
// with the release's deployment id; `crash_limit` restarts of a container fail the rollout even
// before the kubelet reports CrashLoopBackOff.
RolloutState EvaluateRollout(const nlohmann::json& deployment, long long generation,
                             const std::vector<nlohmann::json>& pods, int crash_limit);

// Why a pod cannot become ready ("" while it may still): a failed init container, a crash loop,
// an image that cannot be pulled, a container that cannot be created.
std::string PodFailure(const nlohmann::json& pod, int crash_limit);

}  // namespace aether::kubert
