// Where and how to reach a Kubernetes API server: from a kubeconfig file (current or named
// context; token, token file or client-certificate auth; CA from a file or inline data) or from
// inside a pod (the service-account token, CA and namespace). TLS is always verified: a
// kubeconfig asking for insecure-skip-tls-verify is refused. Plain values; thread-compatible.
#pragma once

#include <functional>
#include <string>

#include "aether/core/status.h"

namespace aether::kube {

struct Config {
  std::string server;      // "https://10.0.0.1:6443"
  std::string ca_pem;      // CA bundle the server's certificate must chain to; "" = system store
  std::string token;       // bearer token, or…
  std::string token_file;  // …a file holding it, re-read as it rotates (in-cluster)
  std::string client_cert_pem;  // client-certificate auth (with client_key_pem)
  std::string client_key_pem;
  std::string ns;  // the context's (or the pod's) namespace; "" when none is set
};

// Reads a kubeconfig. `context` "" means its current-context. Relative file paths in it are
// resolved against the kubeconfig's directory.
Result<Config> LoadKubeconfig(const std::string& path, const std::string& context = "");

// The in-cluster config: KUBERNETES_SERVICE_HOST/PORT from `getenv`, the token, CA and
// namespace from `dir` (the service-account mount).
using GetEnv = std::function<const char*(const char*)>;
Result<Config> LoadInCluster(
    const GetEnv& getenv, const std::string& dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// `kubeconfig` when given; else in-cluster when KUBERNETES_SERVICE_HOST is set; else $KUBECONFIG
// (its first entry) or ~/.kube/config.
Result<Config> LoadConfig(const std::string& kubeconfig, const std::string& context,
                          const GetEnv& getenv);

// The bearer token to send now ("" for none): token, or token_file's current content.
Result<std::string> BearerToken(const Config& config);

}  // namespace aether::kube
