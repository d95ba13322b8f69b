// Kubernetes runtime: apply → watch the Deployment and the release's pods → ready or failed
// (then the previous release is applied again); dev-hot releases that only change the artifact
// are swapped inside the running pods instead. Per-app state: the last release that became
// ready, for undoing a failed rollout or swap.
#include "aether/runtime/kubernetes/kube_runtime.h"

#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "aether/core/clock.h"
#include "aether/core/log.h"
#include "aether/crypto/base64.h"
#include "aether/http/client.h"
#include "aether/http/types.h"
#include "aether/kube/client.h"
#include "aether/kube/informer.h"
#include "aether/runtime/kubernetes/manifests.h"
#include "aether/runtime/kubernetes/pod_log_source.h"
#include "aether/runtime/kubernetes/rollout.h"

namespace aether {
namespace {

using kube::Json;
using kubert::RolloutState;

class KubeRuntime final : public Runtime {
 public:
  KubeRuntime(KubeRuntimeOptions o, kube::Config config)
      : o_(std::move(o)), client_(std::move(config)), logs_(client_, o_.ns) {}
  ~KubeRuntime() override { Shutdown(); }

  Status Init() {
    AETHER_ASSIGN_OR_RETURN(Json version, client_.Get("/version"));
    LogLine("kubernetes: API server " + client_.config().server + " (" +
            version.value("gitVersion", "?") + "), namespace " + o_.ns);
    if (!o_.manage_setup) return CheckPullSecret();
    auto ns = client_.Get("/api/v1/namespaces/" + o_.ns);
    if (!ns.ok() && ns.status().code() == ErrorCode::kNotFound) {
      Json obj = {{"apiVersion", "v1"},
                  {"kind", "Namespace"},
                  {"metadata",
                   {{"name", o_.ns}, {"labels", {{kubert::kManagedByLabel, kubert::kManagedBy}}}}}};
      auto created = client_.Apply("/api/v1/namespaces/" + o_.ns, obj);
      if (!created.ok()) {
        return Unavailable("namespace " + o_.ns +
                           " does not exist and cannot be created: " + created.status().message());
      }
    } else if (!ns.ok()) {
      return ns.status();
    }
    auto secret =
        client_.Apply(kubert::SecretPath(o_.ns, o_.pull_secret), kubert::PullSecretManifest(o_));
    return secret.status();
  }

  Status Deploy(const ReleaseSpec& spec, const PhaseReporter& report) override {
    if (stopping_) return Unavailable("the Kubernetes runtime is stopping (aetherd is stopping)");
    if (spec.command.empty()) {
      return Status(ErrorCode::kDeployFailed, "the artifact has no start command");
    }
    if (spec.dev_hot) {
      auto swapped = HotSwap(spec, report);
      if (!swapped.ok()) return swapped.status();
      if (*swapped) {
        std::lock_guard lock(mu_);
        good_[spec.app] = spec;
        return Status::Ok();
      }
    }
    auto t = SteadyClock::now();
    auto generation = ApplyRelease(spec);
    if (!generation.ok())
      return Fail(spec, "applying the release: " + generation.status().message());
    report("apply", MsSince(t));
    RolloutState state = Track(spec, *generation, report);
    if (state.phase != RolloutState::kReady) return Fail(spec, state.reason);
    std::lock_guard lock(mu_);
    good_[spec.app] = spec;
    return Status::Ok();
  }

  Status Resume(const ReleaseSpec& spec) override {
    auto dep = client_.Get(kubert::DeploymentPath(o_.ns, spec.app));
    if (dep.ok()) {
      const Json& labels = (*dep)["metadata"]["labels"];
      const Json& status = (*dep)["status"];
      if (RunningDeployment(spec, labels) == spec.deployment_id &&
          status.value("availableReplicas", 0) >= spec.instances &&
          status.value("updatedReplicas", 0) >= spec.instances) {
        std::lock_guard lock(mu_);
        good_[spec.app] = spec;
        return Status::Ok();
      }
    } else if (dep.status().code() != ErrorCode::kNotFound) {
      return dep.status();
    }
    return Deploy(spec, [](const std::string&, long long) {});
  }

  Status Remove(std::string_view app_name) override {
    const std::string app(app_name);
    AETHER_RETURN_IF_ERROR(client_.Delete(kubert::DeploymentPath(o_.ns, app)));
    AETHER_RETURN_IF_ERROR(client_.Delete(kubert::ServicePath(o_.ns, app)));
    if (o_.dev_hot) AETHER_RETURN_IF_ERROR(client_.Delete(kubert::DevHotConfigMapPath(o_.ns, app)));
    if (o_.config_secrets) {
      AETHER_RETURN_IF_ERROR(
          client_.Delete(kubert::SecretPath(o_.ns, kubert::ConfigSecretName(app))));
    }
    if (!o_.ingress_domain.empty()) {
      AETHER_RETURN_IF_ERROR(client_.Delete(kubert::IngressPath(o_.ns, app)));
    }
    std::lock_guard lock(mu_);
    good_.erase(app);
    return Status::Ok();
  }

  std::string UrlFor(std::string_view app) const override {
    if (!o_.ingress_domain.empty()) return "http://" + std::string(app) + "." + o_.ingress_domain;
    return "http://" + std::string(app) + "." + o_.ns + ".svc.cluster.local";
  }

  void Shutdown() override {
    stopping_ = true;
    changed_.notify_all();
    logs_.Shutdown();
  }
  // The apps keep running in the cluster; there is nothing local to leave behind.
  void Detach() override { Shutdown(); }

  logs::LogSource& Logs() override { return logs_; }

 private:
  // The deployment id the app's pods run: the Deployment's label, or for dev-hot pods the one
  // their ConfigMap names (hot swaps leave the Deployment as it was).
  std::string RunningDeployment(const ReleaseSpec& spec, const Json& labels) {
    if (!spec.dev_hot) return labels.value(kubert::kDeploymentLabel, "");
    auto cm = client_.Get(kubert::DevHotConfigMapPath(o_.ns, spec.app));
    return cm.ok() && (*cm).contains("data") ? (*cm)["data"].value("deployment", "") : "";
  }

  // dev-hot: when the app's running pods are dev-hot pods that can take `spec` in place (same
  // hot key, fully rolled out), asks each to swap (pod annotations) and waits until each agent
  // reports the new deployment. false when a normal rollout is needed instead.
  Result<bool> HotSwap(const ReleaseSpec& spec, const PhaseReporter& report) {
    auto dep = client_.Get(kubert::DeploymentPath(o_.ns, spec.app));
    if (!dep.ok()) {
      return dep.status().code() == ErrorCode::kNotFound ? Result<bool>(false)
                                                         : Result<bool>(dep.status());
    }
    const Json& meta = (*dep)["metadata"];
    const Json& status = (*dep)["status"];
    const long long want = (*dep)["spec"].value("replicas", 0LL);
    if (!meta.contains("annotations") ||
        meta["annotations"].value(kubert::kHotKeyAnnotation, "") != kubert::HotKey(o_, spec) ||
        status.value("updatedReplicas", 0LL) != want ||
        status.value("readyReplicas", 0LL) != want || status.value("replicas", 0LL) != want) {
      return false;
    }
    auto t = SteadyClock::now();
    AETHER_ASSIGN_OR_RETURN(auto targets, PointPodsAt(spec));
    report("swap", MsSince(t));
    Status swapped = WaitSwapped(spec, targets);
    if (!swapped.ok()) return HotFail(spec, swapped.message());
    report("ready", MsSince(t));
    return true;
  }

  using Targets = std::vector<std::pair<std::string, std::string>>;  // pod name, pod IP

  // Points the dev-hot ConfigMap (what new pods start from) and every running pod of the app
  // (what their agents swap to) at `release`; returns the pods asked.
  Result<Targets> PointPodsAt(const ReleaseSpec& release) {
    AETHER_RETURN_IF_ERROR(client_
                               .Apply(kubert::DevHotConfigMapPath(o_.ns, release.app),
                                      kubert::DevHotConfigMap(o_, release))
                               .status());
    AETHER_ASSIGN_OR_RETURN(Json pods, client_.Get(kubert::PodsPath(o_.ns) + "?labelSelector=" +
                                                   kubert::AppSelector(release.app)));
    const Json patch = {{"metadata",
                         {{"annotations",
                           {{devhot::kArtifactAnnotation, release.artifact},
                            {devhot::kDeploymentAnnotation, release.deployment_id}}}}}};
    Targets targets;
    for (const Json& pod : pods["items"]) {
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      const std::string name = pod["metadata"].value("name", "");
      AETHER_RETURN_IF_ERROR(
          client_.MergePatch(kubert::PodsPath(o_.ns) + "/" + name, patch).status());
      targets.emplace_back(name, pod["status"].value("podIP", ""));
    }
    return targets;
  }

  // Polls each pod's agent status endpoint until it runs `spec`'s deployment.
  Status WaitSwapped(const ReleaseSpec& spec, const Targets& targets) {
    auto http = http::NewClient();
    const auto deadline = SteadyClock::now() + o_.ready_timeout;
    for (const auto& [name, ip] : targets) {
      std::string last = "no answer";
      while (true) {
        if (stopping_) return Unavailable("aetherd stopped during the swap");
        http::ClientRequest req;
        req.url = "http://" + ip + ":" + std::to_string(devhot::kStatusPort) + "/status";
        req.timeout = std::chrono::seconds(2);
        auto res = http->Send(req);
        Json st = res.ok() && res->status == 200 ? Json::parse(res->body, nullptr, false) : Json();
        if (st.is_object()) {
          const std::string state = st.value("state", "");
          // The same artifact needs no swap: the agent keeps running it.
          if (state == "running" && (st.value("deployment", "") == spec.deployment_id ||
                                     st.value("artifact", "") == spec.artifact)) {
            break;
          }
          if (state == "failed" && st.value("deployment", "") != spec.deployment_id) {
            return Status(ErrorCode::kDeployFailed,
                          "pod " + name + ": dev-hot swap failed: " + st.value("message", ""));
          }
          last = "agent state " + state;
        } else if (!res.ok()) {
          last = res.status().message();
        }
        if (SteadyClock::now() >= deadline) {
          return Status(
              ErrorCode::kDeployFailed,
              "pod " + name + " did not swap to " + spec.deployment_id + " in time (" + last + ")");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return Status::Ok();
  }

  // A failed swap: point the ConfigMap and the pods back at the last good release (best
  // effort), then report the failure.
  Status HotFail(const ReleaseSpec& spec, const std::string& reason) {
    std::optional<ReleaseSpec> good;
    {
      std::lock_guard lock(mu_);
      if (auto it = good_.find(spec.app); it != good_.end()) good = it->second;
    }
    if (good && good->dev_hot) {
      auto undone = PointPodsAt(*good);
      if (!undone.ok())
        LogLine("kubernetes: undoing " + spec.deployment_id + ": " + undone.status().message());
    }
    return Status(ErrorCode::kDeployFailed, reason);
  }

  // --kube-setup external: the operator's pull Secret must hold this aetherd's pull token, or
  // every pod would fail to fetch; say so at start instead.
  Status CheckPullSecret() {
    const std::string name = o_.ns + "/" + o_.pull_secret;
    auto secret = client_.Get(kubert::SecretPath(o_.ns, o_.pull_secret));
    if (!secret.ok()) {
      return Status(secret.status().code(),
                    "the pull Secret " + name + " cannot be read (with --kube-setup external the " +
                        "operator creates it, e.g. the Helm chart): " + secret.status().message());
    }
    auto token = crypto::Base64Decode((*secret)["data"].value("token", ""));
    if (!token.ok() || *token != o_.pull_token) {
      return FailedPrecondition("the pull Secret " + name +
                                " does not hold this aetherd's pull token (AETHER_PULL_TOKEN)");
    }
    return Status::Ok();
  }

  // Applies Service, Ingress and Deployment (for dev-hot also its ConfigMap and RBAC, with
  // config_secrets the config Secret first); returns
  // the Deployment's new generation.
  Result<long long> ApplyRelease(const ReleaseSpec& spec) {
    if (spec.dev_hot && o_.manage_setup) {
      for (const auto& [path, obj] : kubert::DevHotRbac(o_)) {
        AETHER_RETURN_IF_ERROR(client_.Apply(path, obj).status());
      }
    }
    if (spec.dev_hot) {
      AETHER_RETURN_IF_ERROR(client_
                                 .Apply(kubert::DevHotConfigMapPath(o_.ns, spec.app),
                                        kubert::DevHotConfigMap(o_, spec))
                                 .status());
    }
    if (o_.config_secrets) {
      AETHER_RETURN_IF_ERROR(
          client_
              .Apply(kubert::SecretPath(o_.ns, kubert::ConfigSecretName(spec.app)),
                     kubert::ConfigSecretManifest(o_, spec))
              .status());
    }
    AETHER_RETURN_IF_ERROR(
        client_.Apply(kubert::ServicePath(o_.ns, spec.app), kubert::ServiceManifest(o_, spec.app))
            .status());
    if (!o_.ingress_domain.empty()) {
      AETHER_RETURN_IF_ERROR(
          client_.Apply(kubert::IngressPath(o_.ns, spec.app), kubert::IngressManifest(o_, spec.app))
              .status());
    }
    AETHER_ASSIGN_OR_RETURN(Json applied, client_.Apply(kubert::DeploymentPath(o_.ns, spec.app),
                                                        kubert::DeploymentManifest(o_, spec)));
    return applied["metadata"].value("generation", 0LL);
  }

  // Watches the Deployment and the release's pods until the rollout is ready, fails, times
  // out, or aetherd stops.
  RolloutState Track(const ReleaseSpec& spec, long long generation, const PhaseReporter& report) {
    auto notify = [this] {
      {
        std::lock_guard lock(mu_);
        ++changes_;
      }
      changed_.notify_all();
    };
    kube::Informer dep(client_, kubert::DeploymentPath(o_.ns),
                       "fieldSelector=" + http::PercentEncode("metadata.name=" + spec.app), notify);
    kube::Informer pods(
        client_, kubert::PodsPath(o_.ns),
        "labelSelector=" +
            http::PercentEncode(std::string(kubert::kDeploymentLabel) + "=" + spec.deployment_id),
        notify);
    dep.Start();
    pods.Start();
    const auto start = SteadyClock::now();
    const auto deadline = start + o_.ready_timeout;
    bool reported_start = false;
    RolloutState state;
    while (true) {
      {
        std::unique_lock lock(mu_);
        long long seen = changes_;
        changed_.wait_until(lock, std::min(deadline, SteadyClock::now() + std::chrono::seconds(1)),
                            [&] { return changes_ != seen || stopping_.load(); });
      }
      auto deployments = dep.Items();
      if (!deployments.empty()) {
        state =
            kubert::EvaluateRollout(deployments.front(), generation, pods.Items(), o_.crash_limit);
        if (state.initialized && !reported_start) {
          report("start", MsSince(start));
          reported_start = true;
        }
        if (state.phase == RolloutState::kReady) report("ready", MsSince(start));
        if (state.phase != RolloutState::kProgressing) break;
      }
      if (stopping_) {
        state.phase = RolloutState::kFailed;
        state.reason = "aetherd stopped during the rollout";
        break;
      }
      if (SteadyClock::now() >= deadline) {
        state.phase = RolloutState::kFailed;
        state.reason = "not ready within " + std::to_string(o_.ready_timeout.count() / 1000) +
                       " s (" + std::to_string(state.ready) + " of " +
                       std::to_string(spec.instances) + " pods ready)";
        if (std::string e = dep.LastError() + pods.LastError(); !e.empty()) {
          state.reason += "; Kubernetes API: " + e;
        }
        break;
      }
    }
    pods.Stop();
    dep.Stop();
    return state;
  }

  // Puts the last good release back (or removes a first release that never became ready) so
  // pods of the failed one stop crash-looping, and reports the failure.
  Status Fail(const ReleaseSpec& spec, const std::string& reason) {
    std::optional<ReleaseSpec> good;
    {
      std::lock_guard lock(mu_);
      if (auto it = good_.find(spec.app); it != good_.end()) good = it->second;
    }
    Status undo = good ? client_
                             .Apply(kubert::DeploymentPath(o_.ns, spec.app),
                                    kubert::DeploymentManifest(o_, *good))
                             .status()
                       : client_.Delete(kubert::DeploymentPath(o_.ns, spec.app));
    if (!undo.ok()) LogLine("kubernetes: undoing " + spec.deployment_id + ": " + undo.message());
    return Status(ErrorCode::kDeployFailed, reason);
  }

  const KubeRuntimeOptions o_;
  kube::Client client_;
  kubert::PodLogSource logs_;  // after client_, which it reads through
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable changed_;
  long long changes_ = 0;
  std::map<std::string, ReleaseSpec> good_;  // app → last release that became ready
};

}  // namespace

Result<std::unique_ptr<Runtime>> OpenKubeRuntime(const KubeRuntimeOptions& options) {
  if (options.agent_server_url.empty()) {
    return InvalidArgument(
        "the Kubernetes runtime needs the URL pods reach aetherd at "
        "(--kube-agent-server)");
  }
  AETHER_ASSIGN_OR_RETURN(kube::Config config,
                          kube::LoadConfig(options.kubeconfig, options.context, std::getenv));
  KubeRuntimeOptions o = options;
  auto runtime = std::make_unique<KubeRuntime>(std::move(o), std::move(config));
  AETHER_RETURN_IF_ERROR(runtime->Init());
  return std::unique_ptr<Runtime>(std::move(runtime));
}

}  // namespace aether
