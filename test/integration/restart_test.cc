// Integration test of aetherd restarts with the local runtime: a detached stop leaves the apps
// running, the next start re-attaches to them (same processes) or, when they died, starts them
// again. Runs whole daemons in-process on one data dir (see daemon_harness.h).
#include <signal.h>

#include "aether/runtime/local/process.h"
#include "daemon_harness.h"

namespace aether {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

class RestartTest : public ::testing::Test, protected testing::DaemonHarness {
 protected:
  void SetUp() override { StartDaemon(); }
  void TearDown() override {
    // After a failure between a detached stop and the next start the apps still run: a daemon
    // re-attaches to them so that StopDaemon stops them.
    if (!daemon_ && fs::exists(dir_ + "/data")) OpenDaemon();
    StopDaemon();
  }

  std::string StateFile(const std::string& app) const {
    return dir_ + "/data/runtime/" + app + ".json";
  }

  // The agent pid and port of the app's (single) current instance, from its state file.
  std::pair<int, int> RecordedInstance(const std::string& app) const {
    std::ifstream in(StateFile(app));
    json state = json::parse(in, nullptr, false);
    if (!state.is_object() || !state["current"].is_object()) return {0, 0};
    const json& inst = state["current"]["instances"][0];
    return {inst["pid"].get<int>(), inst["port"].get<int>()};
  }

  // Polls the router until `app` answers 200 (Resume runs in the background); its body.
  json WaitServed(const std::string& app, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      auto res = ViaRouter(daemon_->app_url(app), app);
      if (res.status == 200) return Json(res);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return json{};
  }

  static bool GoneWithin(int pid, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (local::IsRunning(pid)) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
};

TEST_F(RestartTest, DetachedAppsAreReattachedOrRestartedWhenTheyDied) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"keep"})").status, 201);
  json d1 = Deploy("keep", RegisterSample("keep", "v1"));
  ASSERT_EQ(d1["status"], "running") << d1.dump();
  json first = WaitServed("keep", std::chrono::seconds(5));
  ASSERT_TRUE(first.is_object());
  int node_pid = AppProcess("keep");  // its host pid (the app's own is in its pid namespace)
  std::string node_id = first["instance"];
  ASSERT_GT(node_pid, 0);
  auto [agent_pid, port] = RecordedInstance("keep");
  ASSERT_GT(agent_pid, 0) << "the state file records the running instance";

  // A detached stop: the router goes, the app keeps running and answering on its own port.
  std::string old_url = daemon_->app_url("keep");
  daemon_->Stop(StopMode::kDetachApps);
  daemon_.reset();
  EXPECT_TRUE(local::IsRunning(agent_pid));
  EXPECT_TRUE(local::IsRunning(node_pid));
  EXPECT_EQ(ViaRouter(old_url, "keep").status, 599) << "the old router is closed";
  http::ClientRequest direct;
  direct.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto answered = client_->Send(direct);
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  EXPECT_EQ(Json(*answered)["instance"], node_id);

  // The next start re-attaches: same processes, through the new router.
  auto t = Clock::now();
  ASSERT_NO_FATAL_FAILURE(OpenDaemon());
  json again = WaitServed("keep", std::chrono::seconds(20));
  auto reattach_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
  ASSERT_TRUE(again.is_object()) << "not served after the restart";
  EXPECT_EQ(again["instance"], node_id) << "re-attached, not restarted";
  EXPECT_EQ(AppProcess("keep"), node_pid);
  EXPECT_EQ(again["version"], "v1");
  EXPECT_EQ(RecordedInstance("keep").first, agent_pid);
  std::printf("restart with a live app: served again after %lld ms (start + re-attach)\n",
              static_cast<long long>(reattach_ms.count()));

  // A redeploy retires the adopted instance.
  json d2 = Deploy("keep", RegisterSample("keep", "v2"));
  ASSERT_EQ(d2["status"], "running") << d2.dump();
  EXPECT_EQ(WaitServed("keep", std::chrono::seconds(5))["version"], "v2");
  EXPECT_TRUE(GoneWithin(agent_pid, std::chrono::seconds(10))) << "adopted agent still runs";
  EXPECT_TRUE(GoneWithin(node_pid, std::chrono::seconds(10))) << "adopted app still runs";

  // The app dies while aetherd is down: the next start runs it again.
  json v2 = WaitServed("keep", std::chrono::seconds(5));
  int v2_node = AppProcess("keep");
  std::string v2_id = v2["instance"];
  ASSERT_GT(v2_node, 0);
  pid_t v2_group = getpgid(v2_node);
  int v2_agent = RecordedInstance("keep").first;
  ASSERT_GT(v2_agent, 0);
  daemon_->Stop(StopMode::kDetachApps);
  daemon_.reset();
  kill(-v2_agent, SIGKILL);
  kill(-v2_group, SIGKILL);  // the agent runs the app in a process group of its own
  ASSERT_TRUE(GoneWithin(v2_agent, std::chrono::seconds(5)));
  ASSERT_TRUE(GoneWithin(v2_node, std::chrono::seconds(5)));
  t = Clock::now();
  ASSERT_NO_FATAL_FAILURE(OpenDaemon());
  json restarted = WaitServed("keep", std::chrono::seconds(30));
  auto restart_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
  ASSERT_TRUE(restarted.is_object()) << "the dead app was not started again";
  EXPECT_NE(restarted["instance"], v2_id);
  EXPECT_EQ(restarted["version"], "v2");
  int new_agent = 0;  // recorded just after the route switch
  for (int i = 0; i < 100 && (new_agent == 0 || new_agent == v2_agent); ++i) {
    new_agent = RecordedInstance("keep").first;
    if (new_agent == 0 || new_agent == v2_agent) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_GT(new_agent, 0);
  EXPECT_NE(new_agent, v2_agent);
  std::printf("restart with a dead app: served again after %lld ms (start + fresh start)\n",
              static_cast<long long>(restart_ms.count()));

  // Stopping with the apps stops them and forgets them.
  int restarted_pid = AppProcess("keep");
  EXPECT_GT(restarted_pid, 0);
  daemon_->Stop(StopMode::kStopApps);
  EXPECT_TRUE(GoneWithin(new_agent, std::chrono::seconds(5)));
  EXPECT_TRUE(GoneWithin(restarted_pid, std::chrono::seconds(5)));
  EXPECT_FALSE(fs::exists(StateFile("keep")));
}

TEST_F(RestartTest, RemovingAnAppDeletesItsStateFile) {
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"gone"})").status, 201);
  json d = Deploy("gone", RegisterSample("gone", "v1"));
  ASSERT_EQ(d["status"], "running") << d.dump();
  int agent_pid = RecordedInstance("gone").first;
  ASSERT_GT(agent_pid, 0);
  EXPECT_EQ(Call("DELETE", "/apps/gone").status, 200);
  EXPECT_FALSE(fs::exists(StateFile("gone")));
  EXPECT_TRUE(GoneWithin(agent_pid, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace aether
