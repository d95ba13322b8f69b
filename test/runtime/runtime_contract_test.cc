// The runtime contract: what every Runtime does for its users, run against the local runtime
// and the Kubernetes runtime (on the test bed: test/k8s/kube.sh, AETHER_KUBE_DIR) through a
// whole aetherd. Each runtime is its own CTest entry (runtime_contract_local,
// runtime_contract_kubernetes); the Kubernetes one fails, never skips, without its test bed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "aether/kube/client.h"
#include "aether/kube/config.h"
#include "integration/daemon_harness.h"

namespace aether {
namespace {

using testing::json;

// What chatty printed, per instance: its id, the numbers of its stdout and stderr lines in the
// order they came, and the highest number.
struct Printed {
  std::set<std::string> ids;
  std::vector<int> out;
  std::vector<int> err;
  int max = 0;
};

std::vector<json> ParseNdjson(std::string_view body) {
  std::vector<json> out;
  size_t start = 0;
  for (size_t nl; (nl = body.find('\n', start)) != std::string_view::npos; start = nl + 1) {
    if (nl == start) continue;
    out.push_back(json::parse(body.substr(start, nl - start), nullptr, false));
  }
  return out;
}

// The chatty lines ("<id> <n>" or "<id> <n> err") of container app of `release`, by instance.
std::map<std::string, Printed> Numbered(const std::vector<json>& lines,
                                        const std::string& release) {
  static const std::regex kLine("^([0-9a-f]{8}) ([0-9]+)( err)?$");
  std::map<std::string, Printed> out;
  for (const json& l : lines) {
    if (!l.is_object() || l.value("container", "") != "app" || l.value("release", "") != release) {
      continue;
    }
    std::smatch m;
    const std::string msg = l.value("message", "");
    if (!std::regex_match(msg, m, kLine)) continue;  // the agent's own notices
    Printed& p = out[l.value("instance", "")];
    p.ids.insert(m[1]);
    const int n = std::stoi(m[2]);
    (m[3].matched ? p.err : p.out).push_back(n);
    p.max = std::max(p.max, n);
  }
  return out;
}

// Every instance printed under one id, each of its streams in order, and nothing is missing
// or repeated from 1 to its highest number (stderr lines are every 7th).
void ExpectComplete(const std::map<std::string, Printed>& printed) {
  for (const auto& [instance, p] : printed) {
    EXPECT_EQ(p.ids.size(), 1u) << instance;
    for (const auto* seq : {&p.out, &p.err}) {
      for (size_t i = 1; i < seq->size(); ++i) {
        EXPECT_LT((*seq)[i - 1], (*seq)[i]) << instance << ": out of order or repeated";
      }
    }
    std::set<int> all(p.out.begin(), p.out.end());
    all.insert(p.err.begin(), p.err.end());
    EXPECT_EQ(all.size(), p.out.size() + p.err.size()) << instance << ": a line came twice";
    EXPECT_EQ(static_cast<int>(all.size()), p.max) << instance << ": lines are missing";
    for (int n : p.err) EXPECT_EQ(n % 7, 0) << instance << ": " << n << " is not a stderr line";
  }
}

// The NDJSON schema: exactly these keys, all strings, time RFC 3339 UTC with nanoseconds.
void ExpectSchema(const std::vector<json>& lines) {
  static const std::regex kTime(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$)");
  const std::set<std::string> keys = {"time",      "app",    "release", "instance",
                                      "container", "stream", "message"};
  for (const json& l : lines) {
    ASSERT_TRUE(l.is_object()) << l.dump();
    std::set<std::string> got;
    for (const auto& [k, v] : l.items()) {
      got.insert(k);
      EXPECT_TRUE(v.is_string()) << l.dump();
    }
    EXPECT_EQ(got, keys) << l.dump();
    EXPECT_TRUE(std::regex_match(l.value("time", ""), kTime)) << l.dump();
  }
}

// A follower of GET /apps/{app}/logs?follow=1 on its own thread and connection, collecting
// the lines until destroyed.
class Follower {
 public:
  Follower(const std::string& url, const std::string& token) {
    thread_ = std::thread([this, url, token] {
      auto client = http::NewClient();
      http::ClientRequest req;
      req.url = url;
      req.headers["Authorization"] = "Bearer " + token;
      req.timeout = std::chrono::minutes(10);
      req.cancel = &cancel_;
      std::string pending;
      req.on_body = [&](std::string_view data) {
        pending.append(data);
        size_t nl = pending.rfind('\n');
        if (nl == std::string::npos) return true;
        auto parsed = ParseNdjson(std::string_view(pending).substr(0, nl + 1));
        pending.erase(0, nl + 1);
        std::lock_guard lock(mu_);
        lines_.insert(lines_.end(), parsed.begin(), parsed.end());
        return true;
      };
      auto res = client->Send(req);
      std::lock_guard lock(mu_);
      status_ = res.ok() ? res->status : -1;
      ended_ = true;
    });
  }
  ~Follower() {
    cancel_ = true;
    thread_.join();
  }

  std::vector<json> Lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }
  bool ended() {
    std::lock_guard lock(mu_);
    return ended_;
  }

  // Waits up to `timeout` until `pred(lines)` holds.
  bool WaitFor(const std::function<bool(const std::vector<json>&)>& pred,
               std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(Lines())) return true;
      if (ended()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return pred(Lines());
  }

 private:
  std::atomic<bool> cancel_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<json> lines_;
  int status_ = 0;
  bool ended_ = false;
};

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

  // The distinct processes that answered (their random instance ids).
  std::set<std::string> Pids(const std::string& app, const std::string& url) {
    std::set<std::string> ids;
    for (const auto& b : FromInstances(app, url)) {
      ids.insert(json::parse(b)["instance"].get<std::string>());
    }
    return ids;
  }

  // Packs test/runtime/fixtures/chatty (numbered log lines, see its index.js) with
  // version.json saying `version`, and registers it.
  std::string RegisterChatty(const std::string& app, const std::string& version) {
    std::string src = dir_ + "/chatty-" + version;
    std::filesystem::remove_all(src);
    std::filesystem::copy(std::string(AETHER_SOURCE_DIR) + "/test/runtime/fixtures/chatty", src,
                          std::filesystem::copy_options::recursive);
    std::ofstream(src + "/version.json") << "{\"version\":\"" << version << "\"}";
    auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    return layer.ok() ? RegisterLayer(app, layer->path, "/ready") : "";
  }

  // GET /apps/<app>/logs?format=ndjson&<query> without follow: the lines, parsed.
  std::vector<json> Logs(const std::string& app, const std::string& query) {
    auto res = Call("GET", "/apps/" + app + "/logs?format=ndjson&" + query);
    EXPECT_EQ(res.status, 200) << res.body;
    return ParseNdjson(res.body);
  }

  // Polls the app's logs until `release` has `instances` instances whose chatty burst (300
  // lines) is complete; the last answer.
  std::vector<json> WaitForBursts(const std::string& app, const std::string& release,
                                  size_t instances) {
    std::vector<json> lines;
    for (int i = 0; i < 300; ++i) {
      lines = Logs(app, "release=" + release + "&container=app");
      auto seen = Numbered(lines, release);
      size_t done = 0;
      for (const auto& [inst, numbers] : seen) done += numbers.max >= 300 ? 1 : 0;
      if (done >= instances) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return lines;
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

// Two instances writing interleaved numbered lines: every line of each arrives once and in
// order, in the stable NDJSON schema, merged in time order; tail_lines, since and container
// filter.
TEST_P(RuntimeContract, LogsCarryEveryLineOfEveryInstanceAndFilter) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json d1 = Deploy("web", RegisterChatty("web", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  auto scaled = Call("POST", "/apps/web/scale", R"({"instances":2})");
  ASSERT_EQ(scaled.status, 202) << scaled.body;
  json d2 = WaitDeployment(Json(scaled)["id"]);
  ASSERT_EQ(d2["status"], "running") << d2.dump();
  const std::string release = "v" + std::to_string(d2["version"].get<int>());

  WaitForBursts("web", release, 2);
  std::vector<json> all = Logs("web", "");
  ExpectSchema(all);
  for (size_t i = 1; i < all.size(); ++i) {
    ASSERT_LE(all[i - 1]["time"].get<std::string>(), all[i]["time"].get<std::string>())
        << "history is merged in time order, at line " << i;
  }
  auto printed = Numbered(all, release);
  ASSERT_EQ(printed.size(), 2u) << "two instances of " << release;
  for (const auto& [instance, p] : printed) EXPECT_GE(p.max, 300) << instance;
  ExpectComplete(printed);
  for (const json& l : all) {
    if (l["container"] == "app") {
      EXPECT_EQ(l["app"], "web") << l.dump();
    }
  }
  std::set<std::string> containers;
  for (const json& l : all) containers.insert(l["container"]);
  EXPECT_TRUE(containers.count("aether")) << "platform events are interleaved";

  // tail_lines: at most 5 per instance and container, and the last ones.
  std::vector<json> tail = Logs("web", "tail_lines=5");
  std::map<std::string, int> per;
  for (const json& l : tail) ++per[l.value("instance", "") + "/" + l.value("container", "")];
  for (const auto& [key, n] : per) EXPECT_LE(n, 5) << key;
  EXPECT_GE(Numbered(tail, release).size(), 2u) << "each instance still shows its last lines";
  for (const auto& [instance, p] : Numbered(tail, release)) {
    EXPECT_GE(p.max, 300) << instance << ": the tail is the newest lines";
  }

  // since: an RFC 3339 time in the middle of the history drops what came before it.
  const std::string middle = all[all.size() / 2]["time"];
  std::vector<json> recent = Logs("web", "since=" + http::PercentEncode(middle));
  ASSERT_FALSE(recent.empty());
  EXPECT_LT(recent.size(), all.size());
  for (const json& l : recent) EXPECT_GE(l["time"].get<std::string>(), middle) << l.dump();
  EXPECT_EQ(Call("GET", "/apps/web/logs?since=banana").status, 400);
  EXPECT_EQ(Call("GET", "/apps/web/logs?tail_lines=-1").status, 400);

  // container: the app's output without the platform's events, or only those.
  std::vector<json> app_only = Logs("web", "container=app");
  ASSERT_FALSE(app_only.empty());
  for (const json& l : app_only) EXPECT_EQ(l["container"], "app") << l.dump();
  std::vector<json> events = Logs("web", "container=aether");
  ASSERT_FALSE(events.empty()) << "deploy events";
  for (const json& l : events) {
    EXPECT_EQ(l["container"], "aether") << l.dump();
    EXPECT_EQ(l["stream"], "event") << l.dump();
  }
}

// A follower sees the running release's lines, then, across a redeploy and on the same
// connection, the new release's instances, with nothing missing or repeated.
TEST_P(RuntimeContract, FollowingLogsPicksUpANewReleaseOnTheSameConnection) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json d1 = Deploy("web", RegisterChatty("web", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  const std::string r1 = "v" + std::to_string(d1["version"].get<int>());

  Follower follow(daemon_->api_url() + "/apps/web/logs?follow=1&format=ndjson", token_);
  ASSERT_TRUE(follow.WaitFor(
      [&](const std::vector<json>& lines) {
        auto p = Numbered(lines, r1);
        return !p.empty() && p.begin()->second.max >= 310;
      },
      std::chrono::seconds(60)))
      << "the first release's lines, live";

  json d2 = Deploy("web", RegisterChatty("web", "v2"));
  ASSERT_EQ(d2["status"], "running") << d2.dump();
  const std::string r2 = "v" + std::to_string(d2["version"].get<int>());
  ASSERT_NE(r1, r2);
  EXPECT_TRUE(follow.WaitFor(
      [&](const std::vector<json>& lines) {
        auto p = Numbered(lines, r2);
        return !p.empty() && p.begin()->second.max >= 320;
      },
      std::chrono::seconds(90)))
      << "the new release's lines on the same connection";
  EXPECT_FALSE(follow.ended()) << "the stream stays open";
  std::vector<json> lines = follow.Lines();
  ExpectSchema(lines);
  ExpectComplete(Numbered(lines, r1));
  ExpectComplete(Numbered(lines, r2));
  bool deploy_event = false;
  for (const json& l : lines) deploy_event |= l["container"] == "aether";
  EXPECT_TRUE(deploy_event) << "the redeploy's platform events are interleaved";
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RuntimeContract, ::testing::Values("local", "kubernetes"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace aether
