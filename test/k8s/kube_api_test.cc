// The Kubernetes client and the runtime's manifests against the REAL kube-apiserver of the
// test bed (test/k8s/kube.sh; its directory in AETHER_KUBE_DIR): token and client-certificate
// auth with CA verification, server-side dry run of every generated object, the API server's
// own validation, watches (410 Gone), the informer, and pod logs (PodLogSource) across a cut
// connection (test/k8s/cutproxy.py).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "aether/core/files.h"
#include "aether/http/client.h"
#include "aether/http/test_util.h"
#include "aether/http/types.h"
#include "aether/kube/client.h"
#include "aether/kube/config.h"
#include "aether/kube/informer.h"
#include "aether/logs/feed.h"
#include "aether/runtime/kubernetes/manifests.h"
#include "aether/runtime/kubernetes/pod_log_source.h"

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
  // Deletes the object at `path` and waits (up to 10 s) until it is gone.
  void DeleteAndWait(const std::string& path) {
    ASSERT_TRUE(client_->Delete(path).ok());
    for (int i = 0; i < 100 && client_->Get(path).ok(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  // A pod labelled as app `name`'s release `release`, one container "app" running `command`.
  static Json OnePod(const std::string& name, const std::string& release, const Json& command) {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", name},
              {"namespace", kNs},
              {"labels",
               {{kubert::kNameLabel, name},
                {kubert::kManagedByLabel, kubert::kManagedBy},
                {kubert::kReleaseLabel, release}}}}},
            {"spec",
             {{"terminationGracePeriodSeconds", 1},
              {"containers",
               {{{"name", "app"}, {"image", "aether-nodejs:20-slim"}, {"command", command}}}}}}};
  }
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
           {kubert::SecretPath(o.ns, o.pull_secret), kubert::PullSecretManifest(o)},
           {kubert::SecretPath(o.ns, "web-config"), kubert::ConfigSecretManifest(o, Spec())}}) {
    auto r = client_->Apply(path, obj, dry);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
  }
  KubeRuntimeOptions with_secrets = o;
  with_secrets.config_secrets = true;
  auto secret_dep = client_->Apply(kubert::DeploymentPath(o.ns, "web"),
                                   kubert::DeploymentManifest(with_secrets, Spec()), dry);
  EXPECT_TRUE(secret_dep.ok()) << secret_dep.status().ToString();
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

// `aether dev` then `aether deploy` (and back) applies the other mode's Deployment over the
// running one; the API server must accept both directions.
TEST_F(KubeApiTest, ADeploymentSwitchesBetweenRollingAndDevHot) {
  const KubeRuntimeOptions o = Options();
  ReleaseSpec hot = Spec();
  hot.dev_hot = true;
  for (const ReleaseSpec& spec : {Spec(), hot, Spec(), hot}) {
    auto applied =
        client_->Apply(kubert::DeploymentPath(o.ns, "switch"), kubert::DeploymentManifest(o, [&] {
                         ReleaseSpec s = spec;
                         s.app = "switch";
                         return s;
                       }()));
    ASSERT_TRUE(applied.ok()) << (spec.dev_hot ? "to dev-hot: " : "to rolling: ")
                              << applied.status().ToString();
    const Json& env = (*applied)["spec"]["template"]["spec"]["initContainers"][0]["env"];
    EXPECT_EQ(env.size(), 3u) << env.dump();
  }
  EXPECT_TRUE(client_->Delete(kubert::DeploymentPath(o.ns, "switch")).ok());
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

// test/k8s/cutproxy.py on 127.0.0.1:<port> in front of the API server; Cut and Restore drop
// and let through every connection.
class CutProxy {
 public:
  explicit CutProxy(const std::string& target) : port_(http::testing::FreePort()) {
    const std::string out = ::testing::TempDir() + "/cutproxy-" + std::to_string(getpid());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::freopen(out.c_str(), "w", stdout);
      ::execlp("python3", "python3", AETHER_SOURCE_DIR "/test/k8s/cutproxy.py",
               ("127.0.0.1:" + std::to_string(port_)).c_str(), target.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      std::ifstream in(out);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find("ready") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "cutproxy.py did not start";
  }
  ~CutProxy() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }
  void Cut() { ::kill(pid_, SIGUSR1); }
  void Restore() { ::kill(pid_, SIGUSR2); }

 private:
  int port_;
  pid_t pid_ = -1;
};

// The "n <k>" numbers of container `app` among `lines`, in order.
std::vector<int> Counted(const std::vector<logs::LinePtr>& lines) {
  std::vector<int> out;
  for (const auto& l : lines) {
    if (l->line.container == "app" && l->line.message.starts_with("n ")) {
      out.push_back(std::stoi(l->line.message.substr(2)));
    }
  }
  return out;
}

// Reads `feed` until `enough` holds for the numbers read (or 30 s pass).
std::vector<logs::LinePtr> ReadUntil(logs::Feed& feed, std::vector<logs::LinePtr> lines,
                                     const std::function<bool(const std::vector<int>&)>& enough) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  uint64_t missed = 0;
  while (!enough(Counted(lines)) && std::chrono::steady_clock::now() < deadline) {
    if (!feed.Next(&lines, &missed, std::chrono::milliseconds(200))) break;
    EXPECT_EQ(missed, 0u);
  }
  return lines;
}

// A pod printing "n 1", "n 2", … every 10 ms, followed through PodLogSource while the
// connection to the API server is cut for a while: every number arrives once, in order.
TEST_F(KubeApiTest, PodLogsFollowAcrossACutConnectionWithoutGapOrRepeat) {
  const std::string path = "/api/v1/namespaces/" + std::string(kNs) + "/pods/counter";
  DeleteAndWait(path);  // a pod an earlier run left
  Json pod =
      OnePod("counter", "v7",
             {"sh", "-c", "i=0; while true; do i=$((i+1)); echo \"n $i\"; sleep 0.01; done"});

  kube::Config via_proxy = Admin();
  const std::string target = via_proxy.server.substr(via_proxy.server.find("//") + 2);
  CutProxy proxy(target);
  via_proxy.server = "https://127.0.0.1:" + std::to_string(proxy.port());
  kube::Client proxied(via_proxy);
  kubert::PodLogSource source(proxied, kNs);
  auto feed = std::make_shared<logs::Feed>(1);
  logs::LogQuery q;
  q.follow = true;
  auto attached = source.Attach("counter", q, feed);  // before the pod exists
  ASSERT_TRUE(attached.ok()) << attached.status().ToString();
  ASSERT_TRUE(client_->Apply(path, pod).ok());

  auto lines = ReadUntil(*feed, {}, [](const std::vector<int>& n) { return n.size() >= 100; });
  ASSERT_GE(Counted(lines).size(), 100u) << "the pod's lines, live";
  proxy.Cut();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  proxy.Restore();
  const size_t at_cut = Counted(lines).size();
  lines = ReadUntil(*feed, std::move(lines),
                    [&](const std::vector<int>& n) { return n.size() >= at_cut + 300; });
  std::vector<int> numbers = Counted(lines);
  ASSERT_GE(numbers.size(), at_cut + 300) << "lines after the cut";
  for (size_t i = 0; i < numbers.size(); ++i) {
    ASSERT_EQ(numbers[i], static_cast<int>(i) + 1) << "a gap or a repeat at line " << i;
  }
  const logs::LogLine& l = lines.back()->line;
  EXPECT_EQ(l.app, "counter");
  EXPECT_EQ(l.release, "v7");
  EXPECT_EQ(l.instance, "counter");
  EXPECT_EQ(l.stream, "stdout");
  attached->reset();  // detaches promptly

  // Without follow: the history (here the last 3 lines), then the feed ends.
  auto history = std::make_shared<logs::Feed>(1);
  q.follow = false;
  q.tail_lines = 3;
  auto read = source.Attach("counter", q, history);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  std::vector<logs::LinePtr> tail, got;
  uint64_t missed = 0;
  for (int i = 0; i < 50 && history->Next(&got, &missed, std::chrono::seconds(5)); ++i) {
    tail.insert(tail.end(), got.begin(), got.end());
    got.clear();
  }
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_GT(std::stoi(tail.front()->line.message.substr(2)), numbers.back() - 3);
  EXPECT_TRUE(client_->Delete(path).ok());
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

// Reads a non-follow feed to its end.
std::vector<logs::LinePtr> ReadAll(logs::Feed& feed) {
  std::vector<logs::LinePtr> all, got;
  uint64_t missed = 0;
  for (int i = 0; i < 50 && feed.Next(&got, &missed, std::chrono::seconds(5)); ++i) {
    all.insert(all.end(), got.begin(), got.end());
    got.clear();
  }
  return all;
}

// A container that exits at once and is restarted: previous=true reads the terminated run's
// output, and the restart shows up as an "aether" event line.
TEST_F(KubeApiTest, PodLogsReadThePreviousContainerAndReportRestarts) {
  const std::string path = "/api/v1/namespaces/" + std::string(kNs) + "/pods/crasher";
  DeleteAndWait(path);  // a pod an earlier run left
  Json pod = OnePod("crasher", "v1", {"sh", "-c", "echo \"run at $(date +%s%N)\"; exit 3"});
  ASSERT_TRUE(client_->Apply(path, pod).ok());
  bool restarted = false;
  for (int i = 0; i < 300 && !restarted; ++i) {
    auto got = client_->Get(path);
    for (const Json& cs :
         got.ok() ? (*got)["status"].value("containerStatuses", Json::array()) : Json::array()) {
      restarted |= cs.value("restartCount", 0) >= 1 && cs.contains("lastState") &&
                   cs["lastState"].contains("terminated");
    }
    if (!restarted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(restarted) << "the container never restarted";

  kubert::PodLogSource source(*client_, kNs);
  logs::LogQuery q;
  q.previous = true;
  q.container = "app";
  auto feed = std::make_shared<logs::Feed>(1);
  auto read = source.Attach("crasher", q, feed);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  std::vector<logs::LinePtr> previous = ReadAll(*feed);
  ASSERT_EQ(previous.size(), 1u) << "exactly the terminated run's one line";
  EXPECT_TRUE(previous[0]->line.message.starts_with("run at ")) << previous[0]->line.message;
  EXPECT_EQ(previous[0]->line.instance, "crasher");

  q = {};
  q.container = "aether";
  feed = std::make_shared<logs::Feed>(1);
  read = source.Attach("crasher", q, feed);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  std::vector<logs::LinePtr> events = ReadAll(*feed);
  ASSERT_FALSE(events.empty()) << "a restart event";
  EXPECT_EQ(events[0]->line.stream, "event");
  EXPECT_NE(events[0]->line.message.find("container app restarted"), std::string::npos)
      << events[0]->line.message;
  EXPECT_NE(events[0]->line.message.find("exited with code 3"), std::string::npos)
      << events[0]->line.message;
  EXPECT_TRUE(client_->Delete(path).ok());
}

}  // namespace
}  // namespace aether
