// The runtime contract: what every Runtime does for its users, run against the local runtime
// and the Kubernetes runtime (on the test bed: test/k8s/kube.sh, AETHER_KUBE_DIR) through a
// whole aetherd. Each runtime is its own CTest entry (runtime_contract_local,
// runtime_contract_kubernetes); the Kubernetes one fails, never skips, without its test bed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "aether/kube/client.h"
#include "aether/kube/config.h"
#include "integration/daemon_harness.h"

namespace aether {
namespace {

using testing::json;

class RuntimeContract : public ::testing::TestWithParam<std::string>,
                        protected testing::DaemonHarness {
 protected:
  void SetUp() override {
    runtime_ = GetParam();
    if (runtime_ == "kubernetes") {
      const char* dir = std::getenv("AETHER_KUBE_DIR");
      ASSERT_NE(dir, nullptr) << "AETHER_KUBE_DIR is not set: run with the kube fixture";
      auto config = kube::LoadKubeconfig(std::string(dir) + "/kubeconfig");
      ASSERT_TRUE(config.ok()) << config.status().ToString();
      kube_client_ = std::make_unique<kube::Client>(*config);
      // aetherd listens on the node address, where the pods reach it.
      std::string host = config->server.substr(config->server.find("//") + 2);
      host_ = host.substr(0, host.rfind(':'));
      kube_.kubeconfig = std::string(dir) + "/kubeconfig";
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      std::string ns = std::string("contract-") + info->name();
      for (char& c : ns) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '-';
      kube_.ns = ns.substr(0, 50) + "-" + std::to_string(getpid());
    }
    StartDaemon();
  }
  void TearDown() override { StopDaemon(); }

  // GET `path` from each serving instance of `app` (the router's round robin locally, every
  // ready endpoint on Kubernetes); the bodies of the 200 answers.
  std::vector<std::string> FromInstances(const std::string& app, const std::string& url,
                                         const std::string& path = "/") {
    std::vector<std::string> bodies;
    if (runtime_ == "local") {
      for (int i = 0; i < 12; ++i) {
        auto res = ViaRouter(url, app);
        if (res.status == 200) bodies.push_back(res.body);
      }
      return bodies;
    }
    auto ep = kube_client_->Get("/api/v1/namespaces/" + kube_.ns + "/endpoints/" + app);
    if (!ep.ok()) return bodies;
    for (const json& subset : (*ep).value("subsets", json::array())) {
      for (const json& addr : subset.value("addresses", json::array())) {
        http::ClientRequest req;
        req.url = "http://" + addr.value("ip", "") + ":8080" + path;
        req.timeout = std::chrono::seconds(3);
        auto res = client_->Send(req);
        if (res.ok() && res->status == 200) bodies.push_back(res->body);
      }
    }
    return bodies;
  }

  // Every answer names `version`, and at least one came.
  bool AllServe(const std::string& app, const std::string& url, const std::string& version) {
    for (int attempt = 0; attempt < 50; ++attempt) {  // endpoints follow readiness
      auto bodies = FromInstances(app, url);
      bool all = !bodies.empty();
      for (const auto& b : bodies)
        all &= b.find("\"version\":\"" + version + "\"") != std::string::npos;
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::set<int> Pids(const std::string& app, const std::string& url) {
    std::set<int> pids;
    for (const auto& b : FromInstances(app, url)) pids.insert(json::parse(b)["pid"].get<int>());
    return pids;
  }

  std::unique_ptr<kube::Client> kube_client_;
};

TEST_P(RuntimeContract, DeploysThenReplacesTheRunningRelease) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json d1 = Deploy("web", RegisterSample("web", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  EXPECT_TRUE(AllServe("web", d1["url"], "v1"));
  json d2 = Deploy("web", RegisterSample("web", "v2"));
  ASSERT_EQ(d2["status"], "running") << d2.dump();
  EXPECT_TRUE(AllServe("web", d2["url"], "v2"));
  EXPECT_EQ(Json(Call("GET", "/deployments/" + d1["id"].get<std::string>()))["status"],
            "superseded");
  std::vector<std::string> phases;
  for (const auto& p : d2["phases"]) phases.push_back(p["name"]);
  EXPECT_NE(std::find(phases.begin(), phases.end(), "ready"), phases.end()) << d2.dump();
}

TEST_P(RuntimeContract, ACrashingReleaseFailsWithItsOutputAndThePreviousKeepsServing) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json d1 = Deploy("web", RegisterSample("web", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  json bad = Deploy("web", RegisterCrasher("web"));
  EXPECT_EQ(bad["status"], "failed");
  EXPECT_NE(bad["reason"].get<std::string>().find("boom: missing DATABASE_URL"), std::string::npos)
      << bad.dump();
  EXPECT_TRUE(AllServe("web", d1["url"], "v1"));
}

TEST_P(RuntimeContract, ScaleAndRollbackAreReleasesOnTheSamePath) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json d1 = Deploy("web", RegisterSample("web", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  json d2 = Deploy("web", RegisterSample("web", "v2"));
  ASSERT_EQ(d2["status"], "running") << d2.dump();

  auto scaled = Call("POST", "/apps/web/scale", R"({"instances":2})");
  ASSERT_EQ(scaled.status, 202) << scaled.body;
  json d3 = WaitDeployment(Json(scaled)["id"]);
  ASSERT_EQ(d3["status"], "running") << d3.dump();
  EXPECT_TRUE(AllServe("web", d3["url"], "v2"));
  EXPECT_EQ(Pids("web", d3["url"]).size(), 2u) << "two instances answer";

  auto rolled = Call("POST", "/apps/web/rollback", R"({"version":1})");
  ASSERT_EQ(rolled.status, 202) << rolled.body;
  json d4 = WaitDeployment(Json(rolled)["id"]);
  ASSERT_EQ(d4["status"], "running") << d4.dump();
  EXPECT_TRUE(AllServe("web", d4["url"], "v1"));
}

TEST_P(RuntimeContract, DeletingTheAppStopsEveryInstance) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json d1 = Deploy("web", RegisterSample("web", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  ASSERT_FALSE(FromInstances("web", d1["url"]).empty());
  ASSERT_EQ(Call("DELETE", "/apps/web").status, 200);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = FromInstances("web", d1["url"]).empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << "an instance still answers after the app was deleted";
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RuntimeContract, ::testing::Values("local", "kubernetes"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace aether
