// The Kubernetes objects of a release, as JSON ready for server-side apply: Deployment,
// Service, Ingress and the pull Secret. Pure functions of the options and the release.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "aether/runtime/kubernetes/dev_hot_protocol.h"
#include "aether/runtime/kubernetes/kube_runtime.h"

namespace aether::kubert {

using Json = nlohmann::json;

// Label and annotation keys.
inline constexpr char kNameLabel[] = "app.kubernetes.io/name";
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kReleaseLabel[] = "aether.dev/release";         // "v3"
inline constexpr char kDeploymentLabel[] = "aether.dev/deployment";   // "dep_…"
inline constexpr char kArtifactAnnotation[] = "aether.dev/artifact";  // "sha256:…"
inline constexpr char kManagedBy[] = "aether";
// dev-hot: the Deployment's mode label and the hash of what a hot swap cannot change (the pod
// annotations and the agent's status port are in dev_hot_protocol.h).
inline constexpr char kModeLabel[] = "aether.dev/mode";  // "dev-hot"
inline constexpr char kHotKeyAnnotation[] = "aether.dev/hot-key";
// With config_secrets: the pod template's hash of the config vars (a change rolls the pods).
inline constexpr char kConfigAnnotation[] = "aether.dev/config";

// Where the init container unpacks the artifact (an emptyDir is mounted at kAppRoot).
inline constexpr char kAppRoot[] = "/srv/aether";
inline constexpr char kAppDir[] = "/srv/aether/app";

// "app.kubernetes.io/name=<app>,app.kubernetes.io/managed-by=aether" (URL-escaped).
std::string AppSelector(const std::string& app);

// With spec.dev_hot: pods run as the `aether-dev-hot` ServiceAccount, fetch the artifact the
// ConfigMap `<app>-dev-hot` names (so new pods start from the current hot release) and run
// `aether-agent run --dev-hot`, which swaps the app layer when its pod is annotated.
Json DeploymentManifest(const KubeRuntimeOptions& o, const ReleaseSpec& spec);
// What a hot swap cannot change (command, env, scale, image…): equal keys mean the running
// dev-hot pods can take `spec` in place.
std::string HotKey(const KubeRuntimeOptions& o, const ReleaseSpec& spec);
Json DevHotConfigMap(const KubeRuntimeOptions& o, const ReleaseSpec& spec);
// The ServiceAccount, Role (get and watch pods) and RoleBinding dev-hot pods run under, with
// their API paths.
std::vector<std::pair<std::string, Json>> DevHotRbac(const KubeRuntimeOptions& o);
Json ServiceManifest(const KubeRuntimeOptions& o, const std::string& app);
Json IngressManifest(const KubeRuntimeOptions& o, const std::string& app);
Json PullSecretManifest(const KubeRuntimeOptions& o);
// With config_secrets: the Secret `<app>-config` holding the release's config vars, which the
// app container reads with envFrom (instead of plain values in the Deployment).
std::string ConfigSecretName(const std::string& app);
Json ConfigSecretManifest(const KubeRuntimeOptions& o, const ReleaseSpec& spec);

// API paths of the objects (namespaced).
std::string DeploymentPath(const std::string& ns, const std::string& app = "");
std::string ServicePath(const std::string& ns, const std::string& app);
std::string IngressPath(const std::string& ns, const std::string& app);
std::string SecretPath(const std::string& ns, const std::string& name);
std::string PodsPath(const std::string& ns);
std::string ConfigMapPath(const std::string& ns, const std::string& name);
std::string DevHotConfigMapPath(const std::string& ns, const std::string& app);

}  // namespace aether::kubert
