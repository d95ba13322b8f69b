// The Kubernetes objects of a release, as JSON ready for server-side apply: Deployment,
// Service, Ingress and the pull Secret. Pure functions of the options and the release.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "aether/runtime/kubernetes/kube_runtime.h"

namespace aether::kubert {

using Json = nlohmann::json;

// Label and annotation keys.
inline constexpr char kNameLabel[] = "app.kubernetes.io/name";
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kReleaseLabel[] = "aether.dev/release";        // "v3"
inline constexpr char kDeploymentLabel[] = "aether.dev/deployment";  // "dep_…"
inline constexpr char kArtifactAnnotation[] = "aether.dev/artifact";  // "sha256:…"
inline constexpr char kManagedBy[] = "aether";

// Where the init container unpacks the artifact (an emptyDir is mounted at kAppRoot).
inline constexpr char kAppRoot[] = "/srv/aether";
inline constexpr char kAppDir[] = "/srv/aether/app";

// "app.kubernetes.io/name=<app>,app.kubernetes.io/managed-by=aether" (URL-escaped).
std::string AppSelector(const std::string& app);

Json DeploymentManifest(const KubeRuntimeOptions& o, const ReleaseSpec& spec);
Json ServiceManifest(const KubeRuntimeOptions& o, const std::string& app);
Json IngressManifest(const KubeRuntimeOptions& o, const std::string& app);
Json PullSecretManifest(const KubeRuntimeOptions& o);

// API paths of the objects (namespaced).
std::string DeploymentPath(const std::string& ns, const std::string& app = "");
std::string ServicePath(const std::string& ns, const std::string& app);
std::string IngressPath(const std::string& ns, const std::string& app);
std::string SecretPath(const std::string& ns, const std::string& name);
std::string PodsPath(const std::string& ns);

}  // namespace aether::kubert
