// The local runtime's app sandbox end to end: a real aetherd deploys a node app (written here)
// that probes what it can reach: aetherd's data dir (admin token, SQLite file, listing), the
// system (writes to /usr and /etc), /root and a file planted in the host /tmp, and its own uid,
// then serves the results. With the sandbox every forbidden access fails and the app still
// serves, writes its dir and /tmp; with --sandbox off the same probes succeed (the test can
// fail). Also: aetherd refuses to start when bwrap cannot run.
#include <unistd.h>

#include <cstdlib>

#include "aether/artifact/pack.h"
#include "daemon_harness.h"

namespace aether::testing {
namespace {

class SandboxTest : public ::testing::Test, protected DaemonHarness {
 protected:
  void TearDown() override {
    StopDaemon();
    fs::remove(plant_);
  }

  // The file the app writes in its /tmp: named per test process, since the two tests here may
  // run at once and the unsandboxed one writes the host's /tmp.
  static std::string TmpProbe() {
    return "/tmp/aether-sandbox-probe-" + std::to_string(getpid()) + ".txt";
  }

  // Deploys the probe app and returns its answer.
  json Probe() {
    plant_ = "/tmp/aether-sandbox-plant-" + std::to_string(getpid());
    std::ofstream(plant_) << "host tmp\n";
    fs::permissions(plant_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                fs::perms::others_read);
    std::string data = dir_ + "/data";
    std::string src = dir_ + "/probe";
    fs::create_directories(src);
    std::ofstream(src + "/index.js") << R"JS(
const fs = require('node:fs');
const http = require('node:http');
const paths = )JS"
                                     << json{{"token", data + "/admin.token"},
                                             {"db", data + "/aether.db"},
                                             {"data", data},
                                             {"plant", plant_},
                                             {"tmp", TmpProbe()}}
                                            .dump()
                                     << R"JS(;
const attempt = (f) => { try { f(); return 'allowed'; } catch (e) { return e.code || String(e); } };
const results = () => ({
  uid: process.getuid(),
  gid: process.getgid(),
  cwd: process.cwd(),
  read_token: attempt(() => fs.readFileSync(paths.token)),
  read_db: attempt(() => fs.readFileSync(paths.db)),
  list_data: attempt(() => fs.readdirSync(paths.data)),
  write_usr: attempt(() => fs.writeFileSync('/usr/aether-sandbox-probe', 'x')),
  write_etc: attempt(() => fs.writeFileSync('/etc/aether-sandbox-probe', 'x')),
  list_root: attempt(() => fs.readdirSync('/root')),
  read_plant: attempt(() => fs.readFileSync(paths.plant)),
  write_workdir: attempt(() => fs.writeFileSync('work.txt', 'x')),
  write_tmp: attempt(() => fs.writeFileSync(paths.tmp, 'x')),
});
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(results()));
}).listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
)JS";
    auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    if (!layer.ok()) return {};
    EXPECT_EQ(Call("POST", "/apps", R"({"name":"probe"})").status, 201);
    json d = Deploy("probe", RegisterLayer("probe", layer->path));
    EXPECT_EQ(d["status"], "running") << d.dump();
    auto res = ViaRouter(d["url"], "probe");
    EXPECT_EQ(res.status, 200) << res.body;
    return Json(res);
  }

  std::string plant_;
};

TEST_F(SandboxTest, TheAppReachesNothingOfTheHostAndStillServes) {
  StartDaemon();
  json r = Probe();
  ASSERT_TRUE(r.is_object());
  if (geteuid() == 0) {
    EXPECT_EQ(r["uid"], 65534) << "root's apps run as nobody";
    EXPECT_EQ(r["gid"], 65534);
  } else {
    EXPECT_EQ(r["uid"], getuid());
  }
  EXPECT_NE(r["uid"], 0);
  EXPECT_EQ(r["cwd"], "/app");
  for (const char* denied : {"read_token", "read_db", "list_data", "write_usr", "write_etc",
                             "list_root", "read_plant"}) {
    EXPECT_NE(r[denied], "allowed") << denied << ": " << r.dump();
  }
  EXPECT_EQ(r["read_token"], "ENOENT") << "the data dir is not even there";
  EXPECT_EQ(r["write_usr"], "EROFS");
  EXPECT_EQ(r["write_workdir"], "allowed") << r.dump();
  EXPECT_EQ(r["write_tmp"], "allowed") << r.dump();
  // Its /tmp is its own.
  EXPECT_FALSE(fs::exists(TmpProbe()));
}

TEST_F(SandboxTest, WithTheSandboxOffTheSameProbesSucceed) {
  sandbox_ = false;
  StartDaemon();
  json r = Probe();
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["uid"], geteuid());
  EXPECT_EQ(r["read_token"], "allowed") << r.dump();
  EXPECT_EQ(r["list_data"], "allowed");
  EXPECT_EQ(r["read_plant"], "allowed");
  fs::remove(TmpProbe());
}

TEST_F(SandboxTest, AetherdRefusesToStartWhenBwrapCannotRun) {
  StartDaemon();  // for the directory; this one works
  daemon_->Stop(StopMode::kStopApps);
  daemon_.reset();
  std::string path = std::getenv("PATH");
  std::string empty = dir_ + "/empty-path";
  fs::create_directories(empty);
  setenv("PATH", empty.c_str(), 1);  // no bwrap on it
  DaemonOptions o;
  o.data_dir = dir_ + "/data";
  o.port = 0;
  o.router_port = 0;
  o.agent_path = AETHER_AGENT_BIN;
  auto d = Daemon::Start(o);
  setenv("PATH", path.c_str(), 1);
  ASSERT_FALSE(d.ok());
  std::string why = d.status().message();
  EXPECT_NE(why.find("bubblewrap sandbox"), std::string::npos) << why;
  EXPECT_NE(why.find("bwrap"), std::string::npos) << why;
  EXPECT_NE(why.find("--sandbox off"), std::string::npos) << why;
}

}  // namespace
}  // namespace aether::testing
