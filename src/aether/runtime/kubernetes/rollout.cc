// Deployment/pod status → rollout state, following `kubectl rollout status` for readiness.
#include "aether/runtime/kubernetes/rollout.h"

namespace aether::kubert {
namespace {

using Json = nlohmann::json;

const Json& Field(const Json& j, const char* key) {
  static const Json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

long long Int(const Json& j, const char* key) {
  const Json& v = Field(j, key);
  return v.is_number_integer() ? v.get<long long>() : 0;
}

std::string Str(const Json& j, const char* key) {
  const Json& v = Field(j, key);
  return v.is_string() ? v.get<std::string>() : "";
}

// "exit 3: <last output>" of a terminated state.
std::string Terminated(const Json& t) {
  std::string out = "exit code " + std::to_string(Int(t, "exitCode"));
  if (std::string reason = Str(t, "reason"); !reason.empty() && reason != "Error") {
    out += " (" + reason + ")";
  }
  std::string message = Str(t, "message");
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (!message.empty()) out += ": " + message;
  return out;
}

bool ImageProblem(const std::string& reason) {
  return reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName" ||
         reason == "ErrImageNeverPull" || reason == "CreateContainerConfigError" ||
         reason == "CreateContainerError";
}

std::string ContainerFailure(const Json& status, bool init, int crash_limit) {
  const std::string name = Str(status, "name");
  const std::string what = (init ? "init container " : "container ") + name;
  const Json& state = Field(status, "state");
  const Json& waiting = Field(state, "waiting");
  const std::string waiting_reason = Str(waiting, "reason");
  if (ImageProblem(waiting_reason)) {
    return what + ": " + waiting_reason + ": " + Str(waiting, "message");
  }
  const Json& last = Field(Field(status, "lastState"), "terminated");
  const Json& now = Field(state, "terminated");
  const long long restarts = Int(status, "restartCount");
  if (init) {
    // An init container that exited non-zero fails the pod's start: report the first failure.
    if (now.is_object() && Int(now, "exitCode") != 0) return what + " failed, " + Terminated(now);
    if (last.is_object() && Int(last, "exitCode") != 0)
      return what + " failed, " + Terminated(last);
    return "";
  }
  if (waiting_reason == "CrashLoopBackOff" || (restarts >= crash_limit && crash_limit > 0)) {
    const Json& t = last.is_object() ? last : now;
    return what + " keeps crashing (" + std::to_string(restarts) + " restarts)" +
           (t.is_object() ? ", last " + Terminated(t) : "");
  }
  return "";
}

bool Condition(const Json& obj, const char* type, const char* value) {
  for (const Json& c : Field(Field(obj, "status"), "conditions")) {
    if (Str(c, "type") == type) return Str(c, "status") == value;
  }
  return false;
}

}  // namespace

std::string PodFailure(const Json& pod, int crash_limit) {
  const Json& status = Field(pod, "status");
  for (const Json& c : Field(status, "initContainerStatuses")) {
    if (auto f = ContainerFailure(c, true, crash_limit); !f.empty()) return f;
  }
  for (const Json& c : Field(status, "containerStatuses")) {
    if (auto f = ContainerFailure(c, false, crash_limit); !f.empty()) return f;
  }
  if (Str(status, "phase") == "Failed") {
    return "pod failed: " + Str(status, "reason") + " " + Str(status, "message");
  }
  return "";
}

RolloutState EvaluateRollout(const Json& deployment, long long generation,
                             const std::vector<Json>& pods, int crash_limit) {
  RolloutState s;
  const long long want = Int(Field(deployment, "spec"), "replicas");
  int initialized = 0;
  for (const Json& pod : pods) {
    if (!Field(Field(pod, "metadata"), "deletionTimestamp").is_null()) continue;
    if (std::string failure = PodFailure(pod, crash_limit); !failure.empty()) {
      s.phase = RolloutState::kFailed;
      s.reason = "pod " + Str(Field(pod, "metadata"), "name") + ": " + failure;
      return s;
    }
    if (Condition(pod, "Initialized", "True")) ++initialized;
    if (Condition(pod, "Ready", "True")) ++s.ready;
  }
  s.initialized = initialized >= want;

  const Json& status = Field(deployment, "status");
  for (const Json& c : Field(status, "conditions")) {
    if (Str(c, "type") == "Progressing" && Str(c, "reason") == "ProgressDeadlineExceeded") {
      s.phase = RolloutState::kFailed;
      s.reason = "the rollout made no progress within its deadline: " + Str(c, "message");
      return s;
    }
  }
  if (Int(Field(deployment, "metadata"), "generation") < generation ||
      Int(status, "observedGeneration") < generation) {
    return s;  // the controller has not seen our change yet
  }
  const long long updated = Int(status, "updatedReplicas");
  const long long total = Int(status, "replicas");
  const long long available = Int(status, "availableReplicas");
  if (updated < want || total > updated || available < updated || s.ready < want) return s;
  s.phase = RolloutState::kReady;
  return s;
}

}  // namespace aether::kubert
