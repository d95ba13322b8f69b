// Kubeconfig (yaml-cpp) and in-cluster configuration.
#include "aether/kube/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "aether/core/files.h"
#include "aether/crypto/base64.h"

namespace aether::kube {
namespace {

namespace fs = std::filesystem;

std::string Str(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

// The body (`kind`) of the entry named `name` in a kubeconfig list ("contexts"/"context", …),
// or an undefined node.
YAML::Node Named(const YAML::Node& root, const char* list, const char* kind,
                 const std::string& name) {
  const YAML::Node items = root[list];
  if (items && items.IsSequence()) {
    for (const auto& item : items) {
      if (Str(item, "name") == name) return item[kind];
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// PEM data from `<key>-data` (base64) or the file `<key>`, relative to `base`.
Result<std::string> Pem(const YAML::Node& node, const std::string& key, const fs::path& base,
                        const std::string& what) {
  std::string data = Str(node, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = crypto::Base64Decode(data);
    if (!decoded.ok()) return InvalidArgument("kubeconfig: " + what + "-data is not base64");
    return decoded;
  }
  std::string file = Str(node, key.c_str());
  if (file.empty()) return std::string();
  fs::path p = fs::path(file).is_absolute() ? fs::path(file) : base / file;
  auto text = ReadFile(p.string());
  if (!text.ok()) return InvalidArgument("kubeconfig: cannot read " + what + " " + p.string());
  return text;
}

}  // namespace

Result<Config> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadFile(path);
  if (!text.ok())
    return InvalidArgument("cannot read kubeconfig " + path + ": " + text.status().message());
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("kubeconfig " + path + " is not valid YAML: " + e.what());
  }
  if (!root.IsMap()) return InvalidArgument("kubeconfig " + path + " is not a YAML mapping");
  const std::string ctx_name = context.empty() ? Str(root, "current-context") : context;
  if (ctx_name.empty()) return InvalidArgument("kubeconfig " + path + " has no current-context");
  YAML::Node ctx = Named(root, "contexts", "context", ctx_name);
  if (!ctx) return InvalidArgument("kubeconfig " + path + " has no context " + ctx_name);
  YAML::Node cluster = Named(root, "clusters", "cluster", Str(ctx, "cluster"));
  if (!cluster) {
    return InvalidArgument("kubeconfig: context " + ctx_name + " names unknown cluster '" +
                           Str(ctx, "cluster") + "'");
  }
  YAML::Node user = Named(root, "users", "user", Str(ctx, "user"));

  Config c;
  c.server = Str(cluster, "server");
  if (c.server.empty()) return InvalidArgument("kubeconfig: cluster has no server");
  if (Str(cluster, "insecure-skip-tls-verify") == "true") {
    return InvalidArgument("kubeconfig: cluster " + Str(ctx, "cluster") +
                           " sets insecure-skip-tls-verify; AetherEngine always verifies the "
                           "API server (give certificate-authority or -data instead)");
  }
  const fs::path base = fs::absolute(path).parent_path();
  AETHER_ASSIGN_OR_RETURN(c.ca_pem,
                          Pem(cluster, "certificate-authority", base, "certificate-authority"));
  c.ns = Str(ctx, "namespace");
  if (user) {
    c.token = Str(user, "token");
    std::string token_file = Str(user, "tokenFile");
    if (!token_file.empty()) {
      c.token_file = fs::path(token_file).is_absolute() ? token_file : (base / token_file).string();
    }
    AETHER_ASSIGN_OR_RETURN(c.client_cert_pem,
                            Pem(user, "client-certificate", base, "client-certificate"));
    AETHER_ASSIGN_OR_RETURN(c.client_key_pem, Pem(user, "client-key", base, "client-key"));
    if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
      return InvalidArgument("kubeconfig: user " + Str(ctx, "user") +
                             " needs both client-certificate and client-key");
    }
    if (user["exec"] || user["auth-provider"]) {
      if (c.token.empty() && c.token_file.empty() && c.client_cert_pem.empty()) {
        return InvalidArgument("kubeconfig: user " + Str(ctx, "user") +
                               " uses an exec or auth-provider plugin, which AetherEngine does "
                               "not run; give a token or a client certificate");
      }
    }
  }
  return c;
}

Result<Config> LoadInCluster(const GetEnv& getenv, const std::string& dir) {
  const char* host = getenv("KUBERNETES_SERVICE_HOST");
  const char* port = getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0') {
    return InvalidArgument("not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset)");
  }
  Config c;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + (port != nullptr && *port != '\0' ? port : "443");
  c.token_file = dir + "/token";
  auto ca = ReadFile(dir + "/ca.crt");
  if (!ca.ok()) return InvalidArgument("in-cluster config: cannot read " + dir + "/ca.crt");
  c.ca_pem = std::move(ca).value();
  auto ns = ReadFile(dir + "/namespace");
  if (ns.ok()) {
    c.ns = *ns;
    while (!c.ns.empty() && (c.ns.back() == '\n' || c.ns.back() == ' ')) c.ns.pop_back();
  }
  AETHER_RETURN_IF_ERROR(BearerToken(c).status());
  return c;
}

Result<Config> LoadConfig(const std::string& kubeconfig, const std::string& context,
                          const GetEnv& getenv) {
  if (!kubeconfig.empty()) return LoadKubeconfig(kubeconfig, context);
  const char* in_cluster = getenv("KUBERNETES_SERVICE_HOST");
  if (in_cluster != nullptr && *in_cluster != '\0' && context.empty()) return LoadInCluster(getenv);
  std::string path;
  if (const char* env = getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    path = env;
    path = path.substr(0, path.find(':'));
  } else if (const char* home = getenv("HOME"); home != nullptr && *home != '\0') {
    path = std::string(home) + "/.kube/config";
  }
  if (path.empty() || !fs::exists(path)) {
    return InvalidArgument(
        "no Kubernetes configuration: not in a pod, and no kubeconfig (set --kubeconfig or "
        "KUBECONFIG)");
  }
  return LoadKubeconfig(path, context);
}

Result<std::string> BearerToken(const Config& config) {
  if (config.token_file.empty()) return config.token;
  auto token = ReadFile(config.token_file);
  if (!token.ok()) {
    return Unavailable("cannot read the service-account token " + config.token_file + ": " +
                       token.status().message());
  }
  std::string t = std::move(token).value();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

}  // namespace aether::kube
