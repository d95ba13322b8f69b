// Factory for the Kubernetes Runtime: per app a Deployment, a Service and (with an ingress
// domain) an Ingress, applied server-side (field manager "aether") in one namespace. Pods run
// the base image: init container `aether-agent fetch` (layers through aetherd with the pull
// credential from a Secret) into an emptyDir, then `aether-agent run -- <start command>` as
// non-root. Rollouts are tracked by watching the Deployment and the release's pods; dev-hot
// releases swap the app layer inside running pods (docs/kubernetes.md). Logs() reads the pods'
// pods/log streams (pod_log_source.h). Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "aether/runtime/runtime.h"

namespace aether {

struct KubeRuntimeOptions {
  std::string kubeconfig;  // "" = in-cluster, else $KUBECONFIG or ~/.kube/config
  std::string context;     // "" = the kubeconfig's current context
  std::string ns = "aether-apps";
  std::string image = "aether-nodejs:20-slim";
  std::string image_pull_policy = "IfNotPresent";
  // How pods reach aetherd's API to fetch artifacts ("http://aetherd.aether.svc:7070").
  std::string agent_server_url;
  std::string pull_token;  // stored in the Secret `pull_secret`, presented by the init container
  std::string pull_secret = "aether-pull";
  // true: aetherd creates what it needs besides the apps' objects (the namespace, the pull
  // Secret, the dev-hot ServiceAccount, Role and RoleBinding). false (--kube-setup external):
  // an operator made them (the Helm chart), so aetherd needs no rights on those kinds.
  bool manage_setup = true;
  // false (aetherd --dev-hot off): no dev-hot releases come, so the app's dev-hot ConfigMap is
  // not touched (aetherd may have no rights on ConfigMaps).
  bool dev_hot = true;
  // true (--kube-config-secrets on): each app's config vars live in a Secret `<app>-config` the
  // pods read with envFrom, instead of plain values in the Deployment that anyone who may read
  // Deployments sees; aetherd then needs rights on Secrets.
  bool config_secrets = false;
  std::string service_account = "default";  // pods' account (its token is not mounted)
  std::string ingress_domain;               // "" = no Ingress; else host <app>.<domain>
  std::string ingress_class;
  bool require_signature = false;  // the init container refuses unsigned artifacts
  int container_port = 8080;       // PORT inside the pod
  std::string cpu_request = "100m";
  std::string memory_request = "128Mi";
  std::string cpu_limit = "1";
  std::string memory_limit = "512Mi";
  int progress_deadline_seconds = 120;
  int termination_grace_seconds = 30;
  int crash_limit = 2;  // container restarts of a new release that fail its rollout
  std::chrono::milliseconds ready_timeout{300000};
};

// Connects (GET /version), then (with manage_setup) makes sure the namespace and its pull Secret
// exist.
Result<std::unique_ptr<Runtime>> OpenKubeRuntime(const KubeRuntimeOptions& options);

}  // namespace aether
