// The supervisor's duties as a container's PID 1 (aether-nodejs image, `aether-agent run
// --no-restart`): processes the app orphans are re-parented to it and reaped (no zombies
// pile up), and SIGTERM reaches the app, which stops gracefully before the agent exits. The
// test process stands in for PID 1: RunSupervisor makes it the child subreaper.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "run.h"

namespace aether::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitFor(const fs::path& p) {
  for (int i = 0; i < 1000 && ReadAll(p).empty(); ++i)
    std::this_thread::sleep_for(milliseconds(10));
  return !ReadAll(p).empty();
}

// The process state letter from /proc/PID/stat ('Z' for a zombie), or "" once it is gone.
std::string ProcState(pid_t pid) {
  std::string stat = ReadAll("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? "" : stat.substr(paren + 2, 1);
}

TEST(RunAsPid1, ReapsOrphansAndStopsTheAppOnSigterm) {
  fs::path dir = fs::path(::testing::TempDir()) / ("pid1-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A subshell starts a short-lived process and exits: that process is orphaned, re-parented
  // to the subreaper and must be reaped when it exits. The app itself traps SIGTERM.
  RunOptions o;
  o.dir = dir.string();
  o.no_restart = true;
  o.grace = milliseconds(10000);
  o.command = {"/bin/sh", "-c",
               "trap 'echo term > term.txt; exit 0' TERM; "
               "(sleep 0.3 & echo $! > orphan.pid); echo started > started.txt; "
               "while :; do sleep 0.05; done"};
  pid_t orphan = 0;
  std::string state_after_exit = "?";
  auto started = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    if (WaitFor(dir / "started.txt") && WaitFor(dir / "orphan.pid")) {
      orphan = std::stoi(ReadAll(dir / "orphan.pid"));
      // The orphan lives 0.3 s; give the supervisor time to reap it after that.
      for (int i = 0; i < 300 && !ProcState(orphan).empty(); ++i) {
        std::this_thread::sleep_for(milliseconds(10));
      }
      state_after_exit = ProcState(orphan);
    }
    started = std::chrono::steady_clock::now();
    ::kill(::getpid(), SIGTERM);
  });
  int code = RunSupervisor(o);
  auto stop_took = std::chrono::steady_clock::now() - started;
  stopper.join();
  ASSERT_GT(orphan, 0) << "the app never started its orphan";
  EXPECT_EQ(state_after_exit, "") << "orphan " << orphan << " was not reaped (state "
                                  << state_after_exit << ")";
  EXPECT_EQ(ReadAll(dir / "term.txt"), "term\n");  // the app got SIGTERM and ran its handler
  EXPECT_EQ(code, 0);                              // a requested stop, handled by the app
  EXPECT_LT(stop_took, milliseconds(5000));        // no wait for the grace period's SIGKILL
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aether::agent
