// Tests for the local runtime's process control: capture, exit descriptions, detached spawns,
// graceful and forced stops of children and of processes that are not our children, and the
// route table's in-flight accounting.
#include "aether/runtime/local/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "aether/runtime/local/routes.h"

namespace aether::local {
namespace {

using std::chrono::milliseconds;

TEST(Process, RunCapturedCollectsOutputAndExitCode) {
  auto r = RunCaptured({{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {}, "", ""},
                       milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(Process, RunCapturedTimesOut) {
  auto r = RunCaptured({{"/bin/sleep", "10"}, {}, "", ""}, milliseconds(200));
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
}

TEST(Process, SpawnWritesOutputToFilesAndPassesEnv) {
  std::string log = ::testing::TempDir() + "/spawn-" + std::to_string(getpid()) + ".log";
  std::remove(log.c_str());
  auto pid = Spawn({{"/bin/sh", "-c", "echo port=$PORT"}, {"PORT=4242"}, log, log});
  ASSERT_TRUE(pid.ok());
  int status = 0;
  waitpid(*pid, &status, 0);
  EXPECT_EQ(DescribeExit(status), "exited with code 0");
  EXPECT_EQ(TailFile(log, 5), "port=4242");
  std::remove(log.c_str());
}

TEST(Process, TailFileReturnsTheLastLinesOfLargeFiles) {
  std::string path = ::testing::TempDir() + "/tail-" + std::to_string(getpid()) + ".log";
  {
    std::ofstream out(path);
    for (int i = 0; i < 100000; ++i) out << "line " << i << "\n";
  }
  EXPECT_EQ(TailFile(path, 3), "line 99997\nline 99998\nline 99999");
  std::ofstream(path) << "only\n";
  EXPECT_EQ(TailFile(path, 3), "only");
  std::ofstream(path) << "";
  EXPECT_EQ(TailFile(path, 3), "");
  EXPECT_EQ(TailFile(path + ".missing", 3), "");
  std::remove(path.c_str());
}

TEST(Process, StopEscalatesToSigkillAfterTheGrace) {
  auto pid = Spawn({{"/bin/sh", "-c", "trap '' TERM; sleep 30 & wait"}, {}, "", ""});
  ASSERT_TRUE(pid.ok());
  std::this_thread::sleep_for(milliseconds(100));  // let the trap be installed
  auto start = std::chrono::steady_clock::now();
  Stop(*pid, milliseconds(300));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(3000));
  EXPECT_NE(kill(*pid, 0), 0) << "the process is gone and reaped";
}

TEST(Process, StopIsQuickForAProcessThatHonoursSigterm) {
  auto pid = Spawn({{"/bin/sleep", "30"}, {}, "", ""});
  ASSERT_TRUE(pid.ok());
  auto start = std::chrono::steady_clock::now();
  Stop(*pid, milliseconds(5000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

TEST(Process, DetachedChildGetsItsOwnSessionAndNoInheritedFds) {
  int leaked = dup2(STDERR_FILENO, 200);  // not close-on-exec, as a library's socket might be
  ASSERT_EQ(leaked, 200);
  SpawnOptions so{
      {"/bin/sh", "-c", "echo $$; cut -d' ' -f6 /proc/$$/stat; ls /proc/$$/fd"}, {}, "", ""};
  so.detach = true;
  auto r = RunCaptured(so, milliseconds(5000));
  close(leaked);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::istringstream lines(r->out);
  std::string pid;
  std::string sid;
  std::getline(lines, pid);
  std::getline(lines, sid);
  EXPECT_EQ(pid, sid) << "the child leads its own session";
  for (std::string fd; std::getline(lines, fd);) EXPECT_NE(fd, "200") << r->out;
}

// A process that is not our child: sh starts it in the background and exits. Returns once it
// runs /bin/sleep (mid-exec, /proc/<pid>/cmdline reads empty).
pid_t Orphan(const std::string& script) {
  auto r = RunCaptured({{"/bin/sh", "-c", script + " & echo $!"}, {}, "", ""}, milliseconds(5000));
  if (!r.ok()) return 0;
  auto pid = static_cast<pid_t>(std::stol(r->out));
  for (int i = 0; i < 200 && !IsRunning(pid, "/bin/sleep"); ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pid;
}

TEST(Process, IsRunningChecksNonChildrenAgainstTheirCommandLine) {
  pid_t pid = Orphan("exec /bin/sleep 30");
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(IsRunning(pid));
  EXPECT_TRUE(IsRunning(pid, "30"));
  EXPECT_FALSE(IsRunning(pid, "31")) << "a reused pid is not mistaken for ours";
  Stop(pid, milliseconds(100), "31");
  EXPECT_TRUE(IsRunning(pid, "30")) << "a process that does not match is never signalled";
  auto start = std::chrono::steady_clock::now();
  Stop(pid, milliseconds(5000), "30");
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_FALSE(IsRunning(pid, "30"));
  EXPECT_FALSE(IsRunning(0));
}

TEST(Process, StopOfANonChildEscalatesToSigkill) {
  pid_t pid = Orphan("trap '' TERM; exec /bin/sleep 30");
  ASSERT_GT(pid, 0);
  auto start = std::chrono::steady_clock::now();
  Stop(pid, milliseconds(300), "30");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(3000));
  EXPECT_FALSE(IsRunning(pid, "30"));
}

TEST(Process, IsRunningReapsAnExitedChild) {
  auto pid = Spawn({{"/bin/sleep", "30"}, {}, "", ""});
  ASSERT_TRUE(pid.ok());
  EXPECT_TRUE(IsRunning(*pid, "30"));
  ASSERT_EQ(kill(*pid, SIGKILL), 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !IsRunning(*pid);
    if (!gone) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(gone);
  EXPECT_NE(kill(*pid, 0), 0) << "reaped, not left a zombie";
}

TEST(Routes, PickRoundRobinsAndCountsInflight) {
  RouteTable t;
  EXPECT_EQ(t.Pick("web"), nullptr);
  auto a = std::make_shared<Backend>(1);
  auto b = std::make_shared<Backend>(2);
  t.Set("web", {a, b});
  auto first = t.Pick("web");
  auto second = t.Pick("web");
  EXPECT_NE(first->port, second->port);
  EXPECT_EQ(a->inflight + b->inflight, 2);
  t.Remove("web");
  EXPECT_EQ(t.Pick("web"), nullptr);
}

TEST(Routes, RequestsNamingNoAppGet404AndUnroutedApps503) {
  RouteTable t;
  http::Request req;
  req.method = "GET";
  req.target = "/";
  req.headers["Host"] = "127.0.0.1:7080";
  EXPECT_EQ(RouteRequest(t, req).status, 404);
  req.headers["Host"] = "web.localhost:7080";
  auto res = RouteRequest(t, req);
  EXPECT_EQ(res.status, 503);
  EXPECT_NE(res.body.find("\"code\":\"service_unavailable\""), std::string::npos);
  req.headers["Host"] = "127.0.0.1:7080";
  req.target = "/apps/web/x";
  EXPECT_EQ(RouteRequest(t, req).status, 503);
}

}  // namespace
}  // namespace aether::local
