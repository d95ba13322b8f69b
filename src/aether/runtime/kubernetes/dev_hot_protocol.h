// The dev-hot protocol between the Kubernetes runtime and `aether-agent run --dev-hot`: the pod
// annotations the control plane sets to ask a running pod to swap, and the port the agent
// answers GET /status on. Constants only (the agent includes it without linking the runtime).
#pragma once

namespace aether::devhot {

inline constexpr char kArtifactAnnotation[] = "aether.dev/hot-artifact";      // "sha256:…"
inline constexpr char kDeploymentAnnotation[] = "aether.dev/hot-deployment";  // "dep_…"
inline constexpr int kStatusPort = 9901;

}  // namespace aether::devhot
