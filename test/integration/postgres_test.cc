// aetherd on PostgreSQL (DATABASE_URL) against a private real PostgreSQL 15 cluster: the
// release lifecycle works, and while the database is down requests answer 503 quickly and
// /readyz fails; when it is back everything recovers by itself with no release lost.
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>

#include "daemon_harness.h"

namespace aether::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  bind(fd, sa, sizeof addr);
  getsockname(fd, sa, &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class PostgresDaemonTest : public ::testing::Test, public DaemonHarness {
 protected:
  void SetUp() override {
    pg_dir_ = "/tmp/aether-pg-it-" + std::to_string(getpid());
    pg_port_ = FreePort();
    ASSERT_EQ(Pg("start"), 0) << "could not start PostgreSQL with " << AETHER_PG_SCRIPT;
    database_url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(pg_port_) + "/postgres";
  }
  void TearDown() override {
    StopDaemon();
    EXPECT_EQ(Pg("stop"), 0);
  }

  int Pg(const std::string& command) {
    std::string sh = "AETHER_PG_DIR=" + pg_dir_ + " AETHER_PG_PORT=" + std::to_string(pg_port_) +
                     " bash " + AETHER_PG_SCRIPT + " " + command + " >/dev/null 2>&1";
    return std::system(sh.c_str());
  }

  std::string pg_dir_;
  int pg_port_ = 0;
};

TEST_F(PostgresDaemonTest, OutageAnswers503QuicklyAndRecoversWithNoLostRelease) {
  StartDaemon();
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"web"})").status, 201);
  json v1 = Deploy("web", RegisterSample("web", "1"));
  ASSERT_EQ(v1["status"], "running") << v1.dump();
  auto v2 = Call("PATCH", "/apps/web/config", R"({"GREETING":"from postgres"})");
  ASSERT_EQ(v2.status, 202) << v2.body;
  ASSERT_EQ(WaitDeployment(Json(v2)["id"])["status"], "running");
  EXPECT_FALSE(fs::exists(dir_ + "/data/aether.db")) << "the metadata lives in PostgreSQL";

  ASSERT_EQ(Pg("down"), 0);
  for (const char* path : {"/apps/web/releases", "/readyz"}) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = Call("GET", path);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 503) << path << ": " << r.body;
    EXPECT_EQ(Json(r)["code"], "service_unavailable") << path;
    EXPECT_LT(took, std::chrono::seconds(1)) << path;
  }
  EXPECT_EQ(Call("POST", "/apps/web/scale", R"({"instances":2})").status, 503);
  std::string url = v1["url"];
  EXPECT_EQ(Json(ViaRouter(url, "web"))["greeting"], "from postgres") << "apps keep serving";

  ASSERT_EQ(Pg("up"), 0);
  int ready = 0;
  for (int i = 0; i < 100 && ready != 200; ++i) {
    ready = Call("GET", "/readyz").status;
    if (ready != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(ready, 200) << "aetherd recovers by itself";
  json releases = Json(Call("GET", "/apps/web/releases"));
  ASSERT_EQ(releases["releases"].size(), 2u) << releases.dump();
  EXPECT_EQ(releases["releases"][0]["status"], "running");
  EXPECT_EQ(releases["releases"][1]["status"], "superseded");
  auto v3 = Call("POST", "/apps/web/scale", R"({"instances":2})");
  ASSERT_EQ(v3.status, 202) << v3.body;
  json done = WaitDeployment(Json(v3)["id"]);
  EXPECT_EQ(done["status"], "running") << done.dump();
  EXPECT_EQ(done["version"], 3);
}

}  // namespace
}  // namespace aether::testing
