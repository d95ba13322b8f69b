// Deployment / Service / Ingress / Secret JSON for a release.
#include "aether/runtime/kubernetes/manifests.h"

#include "aether/crypto/crypto.h"
#include "aether/http/types.h"

namespace aether::kubert {
namespace {

Json Labels(const std::string& app) { return {{kNameLabel, app}, {kManagedByLabel, kManagedBy}}; }

Json Meta(const KubeRuntimeOptions& o, const std::string& name, const std::string& app) {
  return {{"name", name}, {"namespace", o.ns}, {"labels", Labels(app)}};
}

// Non-root, nothing to escalate to, no capabilities, read-only root filesystem.
Json ContainerSecurity() {
  return {{"allowPrivilegeEscalation", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"capabilities", {{"drop", {"ALL"}}}}};
}

Json Resources(const KubeRuntimeOptions& o) {
  Json r = {{"requests", {{"cpu", o.cpu_request}, {"memory", o.memory_request}}},
            {"limits", {{"memory", o.memory_limit}}}};
  if (!o.cpu_limit.empty()) r["limits"]["cpu"] = o.cpu_limit;
  return r;
}

// An exec probe through the agent (`aether-agent probe`): the same readiness test as the
// local runtime (the health path answers 2xx/3xx, or any HTTP answer without one), and one
// handler type whatever the manifest says, so a server-side apply never has to switch a
// probe between httpGet and tcpSocket.
Json Probe(const KubeRuntimeOptions& o, const ReleaseSpec& spec, int period, int failures,
           int initial_delay) {
  Json cmd = {"aether-agent", "probe", "--port", std::to_string(o.container_port)};
  if (!spec.health_path.empty()) {
    cmd.push_back("--path");
    cmd.push_back(spec.health_path);
  }
  return {{"exec", {{"command", cmd}}},
          {"periodSeconds", period},
          {"failureThreshold", failures},
          {"timeoutSeconds", 3},
          {"initialDelaySeconds", initial_delay}};
}

std::string DevHotName(const std::string& app) { return app + "-dev-hot"; }

// The config vars as a JSON object (the config Secret's data; hashed into the pod template).
Json ConfigData(const ReleaseSpec& spec) {
  Json data = Json::object();
  for (const auto& [name, value] : spec.env) data[name] = value;
  return data;
}

Json PullTokenEnv(const KubeRuntimeOptions& o) {
  return {{"name", "AETHER_PULL_TOKEN"},
          {"valueFrom", {{"secretKeyRef", {{"name", o.pull_secret}, {"key", "token"}}}}}};
}

// AETHER_ARTIFACT and AETHER_DEPLOYMENT: fixed for a rolling release. For dev-hot they are read
// from the ConfigMap at pod start (so a new pod starts from the current hot release), under other
// names: a server-side apply that turns an entry's valueFrom into a value leaves an empty
// valueFrom behind, which the API server refuses, so switching between the modes must add and
// remove whole entries instead.
Json ReleaseEnv(const ReleaseSpec& spec) {
  if (!spec.dev_hot) {
    return {{{"name", "AETHER_ARTIFACT"}, {"value", spec.artifact}},
            {{"name", "AETHER_DEPLOYMENT"}, {"value", spec.deployment_id}}};
  }
  auto from = [&](const char* key) {
    return Json{{"configMapKeyRef", {{"name", DevHotName(spec.app)}, {"key", key}}}};
  };
  return {{{"name", "AETHER_HOT_ARTIFACT"}, {"valueFrom", from("artifact")}},
          {{"name", "AETHER_HOT_DEPLOYMENT"}, {"valueFrom", from("deployment")}}};
}

Json FetchContainer(const KubeRuntimeOptions& o, const ReleaseSpec& spec) {
  Json cmd = {"aether-agent", "fetch",
              "--server",     o.agent_server_url,
              "--app",        spec.app,
              "--artifact",   spec.dev_hot ? "$(AETHER_HOT_ARTIFACT)" : "$(AETHER_ARTIFACT)",
              "--dest",       kAppDir};
  if (o.require_signature) cmd.push_back("--require-signature");
  Json env = ReleaseEnv(spec);
  env.push_back(PullTokenEnv(o));
  return {{"name", "fetch"},
          {"image", o.image},
          {"imagePullPolicy", o.image_pull_policy},
          {"command", cmd},
          {"env", env},
          {"volumeMounts", {{{"name", "app"}, {"mountPath", kAppRoot}}}},
          {"resources", Resources(o)},
          {"securityContext", ContainerSecurity()},
          {"terminationMessagePolicy", "FallbackToLogsOnError"}};
}

Json AppContainer(const KubeRuntimeOptions& o, const ReleaseSpec& spec) {
  Json cmd = {"aether-agent", "run", "--dir", kAppDir, "--grace-ms",
              std::to_string(std::max(1, o.termination_grace_seconds - 5) * 1000),
              // The kubelet restarts a crashed app (and reports CrashLoopBackOff).
              "--no-restart"};
  Json ports = {{{"name", "http"}, {"containerPort", o.container_port}, {"protocol", "TCP"}}};
  Json env = ReleaseEnv(spec);
  if (spec.dev_hot) {
    for (const char* arg : {"--dev-hot", "--server"}) cmd.push_back(arg);
    cmd.push_back(o.agent_server_url);
    for (const std::string& arg :
         {std::string("--app"), spec.app, std::string("--pod"), std::string("$(POD_NAME)"),
          std::string("--namespace"), std::string("$(POD_NAMESPACE)"), std::string("--root"),
          std::string(kAppRoot), std::string("--status-port"),
          std::to_string(devhot::kStatusPort)}) {
      cmd.push_back(arg);
    }
    if (o.require_signature) cmd.push_back("--require-signature");
    env.push_back(
        {{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}});
    env.push_back({{"name", "POD_NAMESPACE"},
                   {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}});
    env.push_back(PullTokenEnv(o));
    ports.push_back(
        {{"name", "aether-status"}, {"containerPort", devhot::kStatusPort}, {"protocol", "TCP"}});
  }
  cmd.push_back("--");
  for (const auto& arg : spec.command) cmd.push_back(arg);
  env.push_back({{"name", "PORT"}, {"value", std::to_string(o.container_port)}});
  env.push_back({{"name", "HOST"}, {"value", "0.0.0.0"}});
  env.push_back({{"name", "NODE_ENV"}, {"value", "production"}});
  env.push_back({{"name", "HOME"}, {"value", "/tmp"}});
  env.push_back({{"name", "AETHER_APP"}, {"value", spec.app}});
  if (!spec.dev_hot) {
    env.push_back({{"name", "AETHER_RELEASE"}, {"value", "v" + std::to_string(spec.version)}});
  }
  if (!o.config_secrets) {
    for (const auto& [name, value] : spec.env) env.push_back({{"name", name}, {"value", value}});
  }
  Json container = {
      {"name", "app"},
      {"image", o.image},
      {"imagePullPolicy", o.image_pull_policy},
      {"command", cmd},
      {"workingDir", kAppDir},
      {"ports", ports},
      {"env", env},
      {"readinessProbe", Probe(o, spec, 2, 3, 0)},
      {"livenessProbe", Probe(o, spec, 10, 3, 20)},
      // Lets endpoints and load balancers stop sending before the process is told to stop.
      {"lifecycle", {{"preStop", {{"exec", {{"command", {"sleep", "5"}}}}}}}},
      {"volumeMounts",
       // dev-hot agents unpack swapped releases beside the first one.
       {{{"name", "app"}, {"mountPath", kAppRoot}, {"readOnly", !spec.dev_hot}},
        {{"name", "tmp"}, {"mountPath", "/tmp"}}}},
      {"resources", Resources(o)},
      {"securityContext", ContainerSecurity()},
      {"terminationMessagePolicy", "FallbackToLogsOnError"}};
  if (o.config_secrets) {
    // The app's config vars from its Secret; the platform's own variables above win.
    container["envFrom"] = {{{"secretRef", {{"name", ConfigSecretName(spec.app)}}}}};
  }
  return container;
}

std::string Ns(const std::string& ns) { return "/namespaces/" + ns; }

constexpr char kDevHotAccount[] = "aether-dev-hot";

}  // namespace

std::string AppSelector(const std::string& app) {
  return http::PercentEncode(std::string(kNameLabel) + "=" + app + "," + kManagedByLabel + "=" +
                             kManagedBy);
}

Json DeploymentManifest(const KubeRuntimeOptions& o, const ReleaseSpec& spec) {
  Json pod_labels = Labels(spec.app);
  pod_labels[kReleaseLabel] = "v" + std::to_string(spec.version);
  pod_labels[kDeploymentLabel] = spec.deployment_id;
  Json meta = Meta(o, spec.app, spec.app);
  meta["labels"][kReleaseLabel] = pod_labels[kReleaseLabel];
  meta["labels"][kDeploymentLabel] = spec.deployment_id;
  meta["annotations"] = {{kArtifactAnnotation, spec.artifact}};
  Json pod_annotations = {{kArtifactAnnotation, spec.artifact}};
  // Config vars kept in a Secret: a change must still roll the pods.
  if (o.config_secrets)
    pod_annotations[kConfigAnnotation] = crypto::Sha256Hex(ConfigData(spec).dump()).substr(0, 32);
  if (spec.dev_hot) {
    meta["labels"][kModeLabel] = "dev-hot";
    pod_labels[kModeLabel] = "dev-hot";
    meta["annotations"][kHotKeyAnnotation] = HotKey(o, spec);
  }
  return {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", meta},
      {"spec",
       {{"replicas", spec.instances},
        {"revisionHistoryLimit", 5},
        {"progressDeadlineSeconds", o.progress_deadline_seconds},
        {"selector", {{"matchLabels", Labels(spec.app)}}},
        // One extra pod at a time and none taken away before its successor is ready: the
        // previous release serves until the new one does.
        {"strategy",
         {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}}},
        {"template",
         {{"metadata", {{"labels", pod_labels}, {"annotations", pod_annotations}}},
          {"spec",
           {{"serviceAccountName", spec.dev_hot ? kDevHotAccount : o.service_account},
            // Only dev-hot agents talk to the API (to watch their own pod).
            {"automountServiceAccountToken", spec.dev_hot},
            {"enableServiceLinks", false},
            {"terminationGracePeriodSeconds", o.termination_grace_seconds},
            {"securityContext",
             {{"runAsNonRoot", true},
              {"runAsUser", 1000},
              {"runAsGroup", 1000},
              {"fsGroup", 1000}}},
            {"initContainers", {FetchContainer(o, spec)}},
            {"containers", {AppContainer(o, spec)}},
            {"volumes",
             {{{"name", "app"}, {"emptyDir", Json::object()}},
              {{"name", "tmp"}, {"emptyDir", Json::object()}}}}}}}}}}};
}

Json ServiceManifest(const KubeRuntimeOptions& o, const std::string& app) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", Meta(o, app, app)},
          {"spec",
           {{"type", "ClusterIP"},
            {"selector", Labels(app)},
            {"ports",
             {{{"name", "http"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}}}}}};
}

Json IngressManifest(const KubeRuntimeOptions& o, const std::string& app) {
  Json spec = {
      {"rules",
       {{{"host", app + "." + o.ingress_domain},
         {"http",
          {{"paths",
            {{{"path", "/"},
              {"pathType", "Prefix"},
              {"backend", {{"service", {{"name", app}, {"port", {{"name", "http"}}}}}}}}}}}}}}}};
  if (!o.ingress_class.empty()) spec["ingressClassName"] = o.ingress_class;
  return {{"apiVersion", "networking.k8s.io/v1"},
          {"kind", "Ingress"},
          {"metadata", Meta(o, app, app)},
          {"spec", spec}};
}

Json PullSecretManifest(const KubeRuntimeOptions& o) {
  Json meta = {
      {"name", o.pull_secret}, {"namespace", o.ns}, {"labels", {{kManagedByLabel, kManagedBy}}}};
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", meta},
          {"type", "Opaque"},
          {"stringData", {{"token", o.pull_token}}}};
}

std::string DeploymentPath(const std::string& ns, const std::string& app) {
  return "/apis/apps/v1" + Ns(ns) + "/deployments" + (app.empty() ? "" : "/" + app);
}
std::string ServicePath(const std::string& ns, const std::string& app) {
  return "/api/v1" + Ns(ns) + "/services/" + app;
}
std::string IngressPath(const std::string& ns, const std::string& app) {
  return "/apis/networking.k8s.io/v1" + Ns(ns) + "/ingresses/" + app;
}
std::string SecretPath(const std::string& ns, const std::string& name) {
  return "/api/v1" + Ns(ns) + "/secrets/" + name;
}
std::string PodsPath(const std::string& ns) { return "/api/v1" + Ns(ns) + "/pods"; }
std::string ConfigMapPath(const std::string& ns, const std::string& name) {
  return "/api/v1" + Ns(ns) + "/configmaps/" + name;
}

std::string DevHotConfigMapPath(const std::string& ns, const std::string& app) {
  return ConfigMapPath(ns, DevHotName(app));
}

std::string HotKey(const KubeRuntimeOptions& o, const ReleaseSpec& spec) {
  ReleaseSpec blank = spec;
  blank.artifact.clear();
  blank.deployment_id.clear();
  blank.version = 0;
  blank.dev_hot = false;
  return crypto::Sha256Hex(DeploymentManifest(o, blank).dump()).substr(0, 32);
}

std::string ConfigSecretName(const std::string& app) { return app + "-config"; }

Json ConfigSecretManifest(const KubeRuntimeOptions& o, const ReleaseSpec& spec) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", Meta(o, ConfigSecretName(spec.app), spec.app)},
          {"type", "Opaque"},
          {"stringData", ConfigData(spec)}};
}

Json DevHotConfigMap(const KubeRuntimeOptions& o, const ReleaseSpec& spec) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", Meta(o, DevHotName(spec.app), spec.app)},
          {"data", {{"artifact", spec.artifact}, {"deployment", spec.deployment_id}}}};
}

std::vector<std::pair<std::string, Json>> DevHotRbac(const KubeRuntimeOptions& o) {
  const std::string rbac = "/apis/rbac.authorization.k8s.io/v1" + Ns(o.ns);
  Json meta = {
      {"name", kDevHotAccount}, {"namespace", o.ns}, {"labels", {{kManagedByLabel, kManagedBy}}}};
  return {
      {"/api/v1" + Ns(o.ns) + "/serviceaccounts/" + kDevHotAccount,
       {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", meta}}},
      {rbac + "/roles/" + kDevHotAccount,
       {{"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", "Role"},
        {"metadata", meta},
        // An agent reads and watches its own pod's annotations; nothing else.
        {"rules", {{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"get", "watch"}}}}}}},
      {rbac + "/rolebindings/" + kDevHotAccount,
       {{"apiVersion", "rbac.authorization.k8s.io/v1"},
        {"kind", "RoleBinding"},
        {"metadata", meta},
        {"roleRef",
         {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", kDevHotAccount}}},
        {"subjects",
         {{{"kind", "ServiceAccount"}, {"name", kDevHotAccount}, {"namespace", o.ns}}}}}}};
}

}  // namespace aether::kubert
