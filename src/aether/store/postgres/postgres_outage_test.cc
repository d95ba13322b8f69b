// The PostgreSQL store through database outages: each test starts a private cluster with
// test/postgres/pg.sh (its own free port and directory), stops and restarts it under a live
// store, and checks calls answer kUnavailable quickly and the same store recovers by itself.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "aether/core/clock.h"
#include "aether/store/postgres/postgres_store.h"

#ifndef AETHER_PG_SCRIPT
#error "AETHER_PG_SCRIPT must name test/postgres/pg.sh"
#endif

namespace aether {
namespace {

// A port on 127.0.0.1 that nothing listens on right now.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// A throwaway cluster of this test's own, stopped and removed when destroyed.
class PrivateCluster {
 public:
  PrivateCluster()
      : port_(FreePort()),
        dir_("/tmp/aether-pg-outage-" + std::to_string(::getpid()) + "-" + std::to_string(port_)),
        log_(::testing::TempDir() + "pg-outage-" + std::to_string(port_) + ".log") {}
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;
  ~PrivateCluster() { (void)Run("stop"); }

  // pg.sh start|down|up|stop for this cluster; true on success.
  bool Run(const std::string& command) const {
    std::string line = "AETHER_PG_DIR='" + dir_ + "' AETHER_PG_PORT=" + std::to_string(port_) +
                       " bash '" AETHER_PG_SCRIPT "' " + command + " >>'" + log_ + "' 2>&1";
    return std::system(line.c_str()) == 0;
  }
  std::string url() const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }
  std::string log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  int port_;
  std::string dir_;
  std::string log_;
};

Deployment Release(const std::string& id) {
  Deployment d;
  d.id = id;
  d.app = "web";
  return d;
}

TEST(PostgresOutage, CallsAnswerUnavailableQuicklyAndTheSameStoreRecovers) {
  PrivateCluster pg;
  auto begin = SteadyClock::now();
  ASSERT_TRUE(pg.Run("start")) << pg.log();
  std::printf("private cluster started in %lld ms\n", static_cast<long long>(MsSince(begin)));
  auto opened = OpenPostgresStore({pg.url(), 2, std::chrono::milliseconds(1000)});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  MetadataStore& store = **opened;
  ASSERT_TRUE(store.CreateApp({"web", "t0", ""}).ok());
  ASSERT_TRUE(store.CreateDeployment(Release("dep_1")).ok());

  ASSERT_TRUE(pg.Run("down")) << pg.log();
  std::vector<std::pair<std::string, std::function<Status()>>> calls = {
      {"Ping", [&] { return store.Ping(); }},
      {"GetApp", [&] { return store.GetApp("web").status(); }},
      {"CreateApp",
       [&] {
         return store.CreateApp({"api", "t1", ""});
       }},
      {"CreateDeployment", [&] { return store.CreateDeployment(Release("dep_x")).status(); }},
      {"ListApps", [&] { return store.ListApps({}).status(); }},
      {"Stats", [&] { return store.Stats().status(); }},
      {"Ping again", [&] { return store.Ping(); }},
  };
  long long worst = 0;
  for (const auto& [name, call] : calls) {
    auto start = SteadyClock::now();
    Status status = call();
    long long ms = MsSince(start);
    worst = std::max(worst, ms);
    EXPECT_EQ(status.code(), ErrorCode::kUnavailable) << name << ": " << status.ToString();
    EXPECT_LT(ms, 1000) << name;
    EXPECT_EQ(status.message().rfind("database unavailable: ", 0), 0u) << status.message();
  }
  std::printf("while down: %zu calls, slowest kUnavailable answer %lld ms\n", calls.size(), worst);

  ASSERT_TRUE(pg.Run("up")) << pg.log();
  EXPECT_TRUE(store.Ping().ok());
  auto app = store.GetApp("web");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  auto release = store.GetRelease("web", 1);
  ASSERT_TRUE(release.ok()) << release.status().ToString();
  EXPECT_EQ(release->id, "dep_1");
  EXPECT_EQ(store.GetApp("api").status().code(), ErrorCode::kNotFound);  // never written
  auto next = store.CreateDeployment(Release("dep_2"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->version, 2);
}

// A restart between two calls: the pooled connections the server closed are noticed and
// replaced, so the first call after the restart already succeeds.
TEST(PostgresOutage, ARestartBetweenCallsIsInvisible) {
  PrivateCluster pg;
  ASSERT_TRUE(pg.Run("start")) << pg.log();
  auto opened = OpenPostgresStore({pg.url(), 2, std::chrono::milliseconds(1000)});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  MetadataStore& store = **opened;
  ASSERT_TRUE(store.CreateApp({"web", "t0", ""}).ok());
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(pg.Run("down")) << pg.log();
    ASSERT_TRUE(pg.Run("up")) << pg.log();
    auto app = store.GetApp("web");
    EXPECT_TRUE(app.ok()) << "round " << round << ": " << app.status().ToString();
  }
}

TEST(PostgresOutage, OpeningWithoutAServerIsUnavailableQuickly) {
  auto start = SteadyClock::now();
  auto opened = OpenPostgresStore(
      {"postgresql://postgres@127.0.0.1:" + std::to_string(FreePort()) + "/postgres"});
  long long ms = MsSince(start);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kUnavailable) << opened.status().ToString();
  EXPECT_LT(ms, 1000);
}

}  // namespace
}  // namespace aether
