// The Kubernetes client and the runtime's manifests against the REAL kube-apiserver of the
// test bed (test/k8s/kube.sh; its directory in AETHER_KUBE_DIR): token and client-certificate
// auth with CA verification, server-side dry run of every generated object, the API server's
// own validation, watches (410 Gone) and the informer.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "aether/core/files.h"
#include "aether/http/client.h"
#include "aether/http/types.h"
#include "aether/kube/client.h"
#include "aether/kube/config.h"
#include "aether/kube/informer.h"
#include "aether/runtime/kubernetes/manifests.h"

namespace aether {
namespace {

using kube::Json;

std::string Dir() {
  const char* d = std::getenv("AETHER_KUBE_DIR");
  return d != nullptr ? d : "";
}

kube::Config Admin() {
  auto c = kube::LoadKubeconfig(Dir() + "/kubeconfig");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : kube::Config{};
}

class KubeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Dir().empty()) << "AETHER_KUBE_DIR is not set: run with the kube fixture";
    client_ = std::make_unique<kube::Client>(Admin());
    Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}};
    auto applied = client_->Apply("/api/v1/namespaces/" + std::string(kNs), ns);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }
  static constexpr char kNs[] = "kube-api-test";
  std::unique_ptr<kube::Client> client_;
};

ReleaseSpec Spec() {
  ReleaseSpec s;
  s.app = "web";
  s.deployment_id = "dep_0123456789abcdef";
  s.artifact = "sha256:" + std::string(64, 'b');
  s.env = {{"GREETING", "hello"}};
  s.instances = 2;
  s.version = 3;
  s.command = {"node", "server.js"};
  s.health_path = "/healthz";
  return s;
}

KubeRuntimeOptions Options() {
  KubeRuntimeOptions o;
  o.ns = "kube-api-test";
  o.agent_server_url = "http://10.0.0.1:7070";
  o.pull_token = "pull-token";
  o.ingress_domain = "apps.example.com";
  return o;
}

TEST_F(KubeApiTest, TokenAndClientCertificateAuthWithCaVerification) {
  auto version = client_->Get("/version");
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ((*version)["gitVersion"], "v1.20.2");

  auto cert = kube::LoadKubeconfig(Dir() + "/kubeconfig-cert");
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  ASSERT_FALSE(cert->client_cert_pem.empty());
  kube::Client by_cert(*cert);
  auto ns = by_cert.Get("/api/v1/namespaces/kube-api-test");
  EXPECT_TRUE(ns.ok()) << ns.status().ToString();

  kube::Config wrong_token = Admin();
  wrong_token.token = "not-a-token";
  auto refused = kube::Client(wrong_token).Get("/api/v1/namespaces");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);

  // A CA that did not sign the server's certificate: the connection is refused, never
  // silently accepted.
  kube::Config wrong_ca = Admin();
  auto other_ca = ReadFile(Dir() + "/certs/client-ca.crt");
  ASSERT_TRUE(other_ca.ok());
  wrong_ca.ca_pem = *other_ca;
  auto unverified = kube::Client(wrong_ca).Get("/version");
  ASSERT_FALSE(unverified.ok());
  EXPECT_EQ(unverified.status().code(), ErrorCode::kUnavailable);
}

TEST_F(KubeApiTest, EveryGeneratedObjectPassesServerSideDryRun) {
  const KubeRuntimeOptions o = Options();
  kube::ApplyOptions dry;
  dry.dry_run = true;
  auto dep = client_->Apply(kubert::DeploymentPath(o.ns, "web"),
                            kubert::DeploymentManifest(o, Spec()), dry);
  ASSERT_TRUE(dep.ok()) << dep.status().ToString();
  // Defaulted by the server, so really validated against its schema.
  EXPECT_EQ((*dep)["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"],
            "/dev/termination-log");
  for (const auto& [path, obj] : std::vector<std::pair<std::string, Json>>{
           {kubert::ServicePath(o.ns, "web"), kubert::ServiceManifest(o, "web")},
           {kubert::IngressPath(o.ns, "web"), kubert::IngressManifest(o, "web")},
           {kubert::SecretPath(o.ns, o.pull_secret), kubert::PullSecretManifest(o)}}) {
    auto r = client_->Apply(path, obj, dry);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  }
  // The dev-hot variants: Deployment, ConfigMap, ServiceAccount, Role and RoleBinding.
  ReleaseSpec hot = Spec();
  hot.dev_hot = true;
  auto hot_dep =
      client_->Apply(kubert::DeploymentPath(o.ns, "web"), kubert::DeploymentManifest(o, hot), dry);
  EXPECT_TRUE(hot_dep.ok()) << hot_dep.status().ToString();
  auto cm = client_->Apply(kubert::ConfigMapPath(o.ns, "web-dev-hot"),
                           kubert::DevHotConfigMap(o, hot), dry);
  EXPECT_TRUE(cm.ok()) << cm.status().ToString();
  for (const auto& [path, obj] : kubert::DevHotRbac(o)) {
    auto r = client_->Apply(path, obj, dry);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  }
  // Dry run stored nothing.
  auto stored = client_->Get(kubert::DeploymentPath(o.ns, "web"));
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().code(), ErrorCode::kNotFound);
}

TEST_F(KubeApiTest, TheApiServerCatchesUnknownFieldsBadNamesAndBadPorts) {
  const KubeRuntimeOptions o = Options();
  kube::ApplyOptions dry;
  dry.dry_run = true;
  Json unknown = kubert::DeploymentManifest(o, Spec());
  unknown["spec"]["replicaz"] = 3;
  auto r = client_->Apply(kubert::DeploymentPath(o.ns, "web"), unknown, dry);
  // 1.20 answers an unknown field in an apply patch with 500 "field not declared in schema".
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("replicaz"), std::string::npos) << r.status().message();

  ReleaseSpec bad_name = Spec();
  bad_name.app = "Web_App";
  r = client_->Apply(kubert::DeploymentPath(o.ns, "Web_App"),
                     kubert::DeploymentManifest(o, bad_name), dry);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);

  KubeRuntimeOptions bad_port = o;
  bad_port.container_port = 70000;
  r = client_->Apply(kubert::DeploymentPath(o.ns, "web"),
                     kubert::DeploymentManifest(bad_port, Spec()), dry);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("containerPort"), std::string::npos) << r.status().message();
}

// Compacts etcd up to its current revision through its HTTP gateway, so every older
// resourceVersion has expired (the fixture serves configmaps without a watch cache, so watches
// go to etcd).
void CompactEtcd() {
  const char* port = std::getenv("AETHER_KUBE_ETCD_PORT");
  const std::string etcd = std::string("http://127.0.0.1:") + (port != nullptr ? port : "12379");
  auto client = http::NewClient();
  http::ClientRequest range;
  range.method = "POST";
  range.url = etcd + "/v3/kv/range";
  range.body = R"({"key":"AA=="})";
  auto res = client->Send(range);
  ASSERT_TRUE(res.ok() && res->status == 200) << etcd;
  std::string revision = Json::parse(res->body)["header"]["revision"];
  http::ClientRequest compact = range;
  compact.url = etcd + "/v3/kv/compaction";
  compact.body = R"({"revision":")" + revision + R"(","physical":true})";
  res = client->Send(compact);
  ASSERT_TRUE(res.ok() && res->status == 200) << (res.ok() ? res->body : res.status().message());
}

TEST_F(KubeApiTest, WatchFromAnExpiredResourceVersionEndsWithGone) {
  for (int i = 0; i < 3; ++i) {
    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "gone-" + std::to_string(i)}, {"namespace", kNs}}},
               {"data", {{"i", std::to_string(i)}}}};
    ASSERT_TRUE(
        client_->Apply("/api/v1/namespaces/kube-api-test/configmaps/gone-" + std::to_string(i), cm)
            .ok());
  }
  CompactEtcd();
  auto end = client_->Watch(
      "/api/v1/namespaces/kube-api-test/configmaps?watch=1&resourceVersion=1",
      [](const Json&) { return true; }, nullptr, 5);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(*end, kube::WatchEnd::kGone);
}

TEST_F(KubeApiTest, InformerFollowsCreateUpdateDelete) {
  kube::Informer informer(*client_, "/api/v1/namespaces/kube-api-test/configmaps",
                          "labelSelector=" + http::PercentEncode("informer=yes"));
  informer.Start();
  ASSERT_TRUE(informer.WaitSynced(std::chrono::seconds(10))) << informer.LastError();
  auto wait_for = [&](auto pred) {
    for (int i = 0; i < 100; ++i) {
      if (pred(informer.Items())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  const std::string path = "/api/v1/namespaces/kube-api-test/configmaps/watched";
  Json cm = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", {{"name", "watched"}, {"namespace", kNs}, {"labels", {{"informer", "yes"}}}}},
      {"data", {{"v", "1"}}}};
  ASSERT_TRUE(client_->Apply(path, cm).ok());
  EXPECT_TRUE(wait_for([](const std::vector<Json>& items) {
    return items.size() == 1 && items[0]["data"]["v"] == "1";
  }));
  ASSERT_TRUE(client_->MergePatch(path, {{"data", {{"v", "2"}}}}).ok());
  EXPECT_TRUE(wait_for([](const std::vector<Json>& items) {
    return items.size() == 1 && items[0]["data"]["v"] == "2";
  }));
  ASSERT_TRUE(client_->Delete(path).ok());
  EXPECT_TRUE(wait_for([](const std::vector<Json>& items) { return items.empty(); }));
  EXPECT_TRUE(client_->Delete(path).ok()) << "deleting what is gone is not an error";
  informer.Stop();
  EXPECT_EQ(informer.Stats().lists, 1);
}

}  // namespace
}  // namespace aether

namespace aether {
namespace {

// The dev-hot agent's view: one object, read with get and followed with a watch narrowed to its
// name, never a list.
TEST_F(KubeApiTest, ObjectInformerFollowsOneObject) {
  const std::string path = "/api/v1/namespaces/kube-api-test/configmaps/single";
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "single"}, {"namespace", kNs}}},
             {"data", {{"v", "1"}}}};
  ASSERT_TRUE(client_->Apply(path, cm).ok());
  kube::Informer informer(*client_, kube::ObjectPath{path});
  informer.Start();
  ASSERT_TRUE(informer.WaitSynced(std::chrono::seconds(10))) << informer.LastError();
  ASSERT_TRUE(client_->MergePatch(path, {{"data", {{"v", "2"}}}}).ok());
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    auto items = informer.Items();
    seen = items.size() == 1 && items[0]["data"]["v"] == "2";
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(seen);
  informer.Stop();
}

}  // namespace
}  // namespace aether
