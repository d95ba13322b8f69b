// The objects a release becomes: labels, annotations, pod shape, security, probes.
#include "aether/runtime/kubernetes/manifests.h"

#include <gtest/gtest.h>

namespace aether::kubert {
namespace {

ReleaseSpec Spec() {
  ReleaseSpec s;
  s.app = "web";
  s.deployment_id = "dep_123";
  s.artifact = "sha256:" + std::string(64, 'a');
  s.env = {{"GREETING", "hi"}};
  s.instances = 2;
  s.version = 7;
  s.command = {"node", "server.js"};
  s.health_path = "/healthz";
  return s;
}

KubeRuntimeOptions Options() {
  KubeRuntimeOptions o;
  o.ns = "apps";
  o.agent_server_url = "http://aetherd.aether:7070";
  o.require_signature = true;
  return o;
}

TEST(Manifests, DeploymentCarriesLabelsDigestAndRollingStrategy) {
  Json d = DeploymentManifest(Options(), Spec());
  EXPECT_EQ(d["metadata"]["name"], "web");
  EXPECT_EQ(d["metadata"]["namespace"], "apps");
  EXPECT_EQ(d["spec"]["replicas"], 2);
  EXPECT_EQ(d["spec"]["selector"]["matchLabels"],
            Json({{"app.kubernetes.io/name", "web"}, {"app.kubernetes.io/managed-by", "aether"}}));
  const Json& meta = d["spec"]["template"]["metadata"];
  EXPECT_EQ(meta["labels"]["aether.dev/release"], "v7");
  EXPECT_EQ(meta["labels"]["aether.dev/deployment"], "dep_123");
  EXPECT_EQ(meta["annotations"]["aether.dev/artifact"], Spec().artifact);
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0);
}

TEST(Manifests, PodFetchesThenRunsAsNonRootWithProbesAndEnv) {
  Json pod = DeploymentManifest(Options(), Spec())["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  const Json& fetch = pod["initContainers"][0];
  EXPECT_EQ(fetch["image"], "aether-nodejs:20-slim");
  EXPECT_EQ(fetch["command"],
            Json({"aether-agent", "fetch", "--server", "http://aetherd.aether:7070", "--app", "web",
                  "--artifact", "$(AETHER_ARTIFACT)", "--dest", "/srv/aether/app",
                  "--require-signature"}));
  EXPECT_EQ(fetch["env"][0], Json({{"name", "AETHER_ARTIFACT"}, {"value", Spec().artifact}}));
  EXPECT_EQ(fetch["env"][2]["valueFrom"]["secretKeyRef"]["name"], "aether-pull");
  const Json& app = pod["containers"][0];
  EXPECT_EQ(app["command"], Json({"aether-agent", "run", "--dir", "/srv/aether/app", "--grace-ms",
                                  "25000", "--no-restart", "--", "node", "server.js"}));
  EXPECT_EQ(app["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(app["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(app["readinessProbe"]["exec"]["command"],
            Json({"aether-agent", "probe", "--port", "8080", "--path", "/healthz"}));
  EXPECT_EQ(app["livenessProbe"]["exec"], app["readinessProbe"]["exec"]);
  EXPECT_TRUE(app["lifecycle"]["preStop"].contains("exec"));
  EXPECT_EQ(app["resources"]["limits"]["memory"], "512Mi");
  bool has_port = false, has_greeting = false;
  for (const Json& e : app["env"]) {
    has_port |= e["name"] == "PORT" && e["value"] == "8080";
    has_greeting |= e["name"] == "GREETING" && e["value"] == "hi";
  }
  EXPECT_TRUE(has_port);
  EXPECT_TRUE(has_greeting);
}

TEST(Manifests, ConfigVarsGoToASecretWhenAsked) {
  ReleaseSpec s = Spec();
  s.env = {{"DB_URL", "postgres://secret"}, {"MODE", "fast"}};
  Json plain = DeploymentManifest(Options(), s);
  EXPECT_NE(plain.dump().find("postgres://secret"), std::string::npos);
  EXPECT_FALSE(plain["spec"]["template"]["spec"]["containers"][0].contains("envFrom"));

  KubeRuntimeOptions o = Options();
  o.config_secrets = true;
  Json d = DeploymentManifest(o, s);
  EXPECT_EQ(d.dump().find("postgres://secret"), std::string::npos) << "no value in the Deployment";
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["envFrom"],
            Json::parse(R"([{"secretRef":{"name":"web-config"}}])"));
  Json secret = ConfigSecretManifest(o, s);
  EXPECT_EQ(secret["metadata"]["name"], "web-config");
  EXPECT_EQ(secret["stringData"], Json({{"DB_URL", "postgres://secret"}, {"MODE", "fast"}}));
  // A changed value changes the pod template, so the pods roll.
  const std::string hash = d["spec"]["template"]["metadata"]["annotations"]["aether.dev/config"];
  s.env["MODE"] = "slow";
  EXPECT_NE(
      DeploymentManifest(o, s)["spec"]["template"]["metadata"]["annotations"]["aether.dev/config"],
      hash);
}

TEST(Manifests, DevHotPodsWatchTheirOwnPodAndStartFromTheConfigMapRelease) {
  ReleaseSpec s = Spec();
  s.dev_hot = true;
  const KubeRuntimeOptions o = Options();
  Json d = DeploymentManifest(o, s);
  EXPECT_EQ(d["metadata"]["labels"]["aether.dev/mode"], "dev-hot");
  EXPECT_EQ(d["metadata"]["annotations"]["aether.dev/hot-key"], HotKey(o, s));
  const Json& pod = d["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "aether-dev-hot");
  EXPECT_EQ(pod["automountServiceAccountToken"], true);
  EXPECT_EQ(pod["initContainers"][0]["env"][0]["name"], "AETHER_HOT_ARTIFACT");
  EXPECT_EQ(pod["initContainers"][0]["env"][0]["valueFrom"]["configMapKeyRef"],
            Json({{"name", "web-dev-hot"}, {"key", "artifact"}}));
  EXPECT_EQ(pod["initContainers"][0]["command"][7], "$(AETHER_HOT_ARTIFACT)");
  const Json& app = pod["containers"][0];
  const std::string cmd = app["command"].dump();
  EXPECT_NE(
      cmd.find(
          R"x("--dev-hot","--server","http://aetherd.aether:7070","--app","web","--pod","$(POD_NAME)")x"),
      std::string::npos)
      << cmd;
  EXPECT_EQ(app["volumeMounts"][0]["readOnly"], false);
  EXPECT_EQ(app["ports"][1]["containerPort"], devhot::kStatusPort);

  // A new artifact keeps the key (a hot swap); new env or scale changes it (a rollout).
  ReleaseSpec next = s;
  next.artifact = "sha256:" + std::string(64, 'c');
  next.deployment_id = "dep_456";
  next.version = 8;
  EXPECT_EQ(HotKey(o, next), HotKey(o, s));
  next.env["NEW"] = "1";
  EXPECT_NE(HotKey(o, next), HotKey(o, s));
  next = s;
  next.instances = 3;
  EXPECT_NE(HotKey(o, next), HotKey(o, s));

  EXPECT_EQ(DevHotConfigMap(o, s)["data"],
            Json({{"artifact", s.artifact}, {"deployment", "dep_123"}}));
  auto rbac = DevHotRbac(o);
  ASSERT_EQ(rbac.size(), 3u);
  EXPECT_EQ(rbac[1].second["rules"],
            Json::parse(R"([{"apiGroups":[""],"resources":["pods"],"verbs":["get","watch"]}])"));
}

TEST(Manifests, AnyAnswerProbeWithoutAHealthPathAndIngressOnlyWithADomain) {
  ReleaseSpec s = Spec();
  s.health_path.clear();
  Json app = DeploymentManifest(Options(), s)["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(app["readinessProbe"]["exec"]["command"],
            Json({"aether-agent", "probe", "--port", "8080"}));
  KubeRuntimeOptions o = Options();
  o.ingress_domain = "apps.example.com";
  o.ingress_class = "nginx";
  Json ing = IngressManifest(o, "web");
  EXPECT_EQ(ing["spec"]["rules"][0]["host"], "web.apps.example.com");
  EXPECT_EQ(ing["spec"]["ingressClassName"], "nginx");
  EXPECT_EQ(ServiceManifest(o, "web")["spec"]["ports"][0]["targetPort"], "http");
  EXPECT_EQ(DeploymentPath("apps", "web"), "/apis/apps/v1/namespaces/apps/deployments/web");
}

}  // namespace
}  // namespace aether::kubert
