// Unit tests of the supervisor's swap path (run.h's SwapSource) with a scripted source: the
// old process is stopped (SIGTERM, SIGKILL after the grace period) and the new one runs in the
// new directory, while the supervisor itself keeps running. Each test runs RunSupervisor in the
// test process (it installs signal handlers) and ends it with SIGTERM to the process.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "run.h"

namespace aether::agent {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Posts one swap once the first process has started (and created `ready`, when given) or, with
// `after_exit`, once it has exited and a restart is pending; waits until the new process wrote
// `marker`, then stops the supervisor.
class ScriptedSource : public SwapSource {
 public:
  ScriptedSource(SwapRequest request, fs::path marker, bool after_exit, fs::path ready = {})
      : request_(std::move(request)),
        marker_(std::move(marker)),
        after_exit_(after_exit),
        ready_(std::move(ready)) {}
  ~ScriptedSource() override {
    if (thread_.joinable()) thread_.join();
  }

  bool Start(std::function<void()> wake) override {
    thread_ = std::thread([this, wake] {
      for (int i = 0; i < 1000 && !ready_.empty() && !fs::exists(ready_); ++i) {
        std::this_thread::sleep_for(milliseconds(10));
      }
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return after_exit_ ? restarts_ > 0 : pid_ > 0; });
        first_pid_ = pid_;
        pending_ = request_;
        posted_ = Clock::now();
      }
      wake();
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::seconds(20), [&] { return swapped_pid_ != 0; });
      }
      for (int i = 0; i < 1000 && !fs::exists(marker_); ++i) {
        std::this_thread::sleep_for(milliseconds(10));
      }
      ::kill(::getpid(), SIGTERM);
    });
    return true;
  }
  std::optional<SwapRequest> TakeSwap() override {
    std::lock_guard lock(mu_);
    auto out = std::move(pending_);
    pending_.reset();
    return out;
  }
  void Swapped(const SwapRequest& request, pid_t pid) override {
    std::lock_guard lock(mu_);
    swapped_dir_ = request.dir;
    swapped_pid_ = pid;
    swap_took_ = std::chrono::duration_cast<milliseconds>(Clock::now() - posted_);
    cv_.notify_all();
  }
  void ProcessChanged(pid_t pid, int restarts) override {
    std::lock_guard lock(mu_);
    pid_ = pid;
    restarts_ = restarts;
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  SwapRequest request_;
  fs::path marker_;
  bool after_exit_;
  fs::path ready_;
  std::thread thread_;
  std::optional<SwapRequest> pending_;
  pid_t pid_ = 0;
  pid_t first_pid_ = 0;
  int restarts_ = 0;
  pid_t swapped_pid_ = 0;
  std::string swapped_dir_;
  Clock::time_point posted_;
  milliseconds swap_took_{0};
};

class RunSwapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("aether-run-swap-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "old");
    fs::create_directories(root_ / "new" / "node_modules" / ".bin");
    // A "bin link" of the new release, found through PATH.
    std::ofstream(root_ / "new" / "node_modules" / ".bin" / "hello") << "#!/bin/sh\necho hi\n";
    fs::permissions(root_ / "new" / "node_modules" / ".bin" / "hello", fs::perms::owner_all);
  }
  void TearDown() override {
    std::error_code ec;
    fs::current_path(fs::temp_directory_path(), ec);
    fs::remove_all(root_, ec);
  }

  // The new release's command: records its directory and what `hello` resolves to, then runs.
  SwapRequest NewRelease() {
    return {(root_ / "new").string(),
            {"sh", "-c",
             "command -v hello > found.tmp; pwd >> found.tmp; mv found.tmp found; "
             "exec sleep 30"}};
  }

  fs::path root_;
};

TEST_F(RunSwapTest, StopsTheOldProcessAndStartsTheNewOneInItsDirectory) {
  ScriptedSource source(NewRelease(), root_ / "new" / "found", /*after_exit=*/false);
  RunOptions o;
  o.dir = (root_ / "old").string();
  o.command = {"sh", "-c", "exec sleep 30"};
  o.grace = milliseconds(5000);
  o.swaps = &source;
  EXPECT_EQ(RunSupervisor(o), 0);

  EXPECT_EQ(source.swapped_dir_, (root_ / "new").string());
  ASSERT_GT(source.swapped_pid_, 0);
  EXPECT_NE(source.swapped_pid_, source.first_pid_);
  EXPECT_EQ(source.restarts_, 0);                    // a swap is not a restart
  EXPECT_LT(source.swap_took_, milliseconds(2000));  // SIGTERM ended it; no grace wait
  std::string found = ReadAll(root_ / "new" / "found");
  EXPECT_EQ(found, (root_ / "new" / "node_modules" / ".bin" / "hello").string() + "\n" +
                       (root_ / "new").string() + "\n");
  EXPECT_EQ(::kill(source.first_pid_, 0), -1);  // reaped
}

TEST_F(RunSwapTest, KillsAProcessThatIgnoresSigtermAfterTheGracePeriod) {
  ScriptedSource source(NewRelease(), root_ / "new" / "found", /*after_exit=*/false,
                        root_ / "old" / "ready");
  RunOptions o;
  o.dir = (root_ / "old").string();
  o.command = {"sh", "-c", "trap '' TERM; touch ready; while :; do sleep 0.05; done"};
  o.grace = milliseconds(400);
  o.swaps = &source;
  EXPECT_EQ(RunSupervisor(o), 0);

  ASSERT_GT(source.swapped_pid_, 0);
  EXPECT_GE(source.swap_took_, milliseconds(400));
  EXPECT_LT(source.swap_took_, milliseconds(3000));
  EXPECT_TRUE(fs::exists(root_ / "new" / "found"));
}

TEST_F(RunSwapTest, SwapsAtOnceWhileARestartIsPending) {
  ScriptedSource source(NewRelease(), root_ / "new" / "found", /*after_exit=*/true);
  RunOptions o;
  o.dir = (root_ / "old").string();
  o.command = {"sh", "-c", "exit 3"};
  o.backoff_initial = milliseconds(10000);  // the swap must not wait for it
  o.swaps = &source;
  Clock::time_point start = Clock::now();
  EXPECT_EQ(RunSupervisor(o), 0);

  ASSERT_GT(source.swapped_pid_, 0);
  EXPECT_LT(Clock::now() - start, milliseconds(5000));
  EXPECT_TRUE(fs::exists(root_ / "new" / "found"));
}

}  // namespace
}  // namespace aether::agent

namespace aether::agent {
namespace {

// --no-restart (Kubernetes): the supervisor exits with the app's code, so the kubelet sees the
// crash, restarts the container and reports CrashLoopBackOff.
TEST(RunNoRestart, ExitsWithTheAppsExitCodeOrSignal) {
  RunOptions o;
  o.dir = ::testing::TempDir();
  o.no_restart = true;
  o.command = {"/bin/sh", "-c", "exit 3"};
  EXPECT_EQ(RunSupervisor(o), 3);
  o.command = {"/bin/sh", "-c", "kill -KILL $$"};
  EXPECT_EQ(RunSupervisor(o), 128 + SIGKILL);
}

}  // namespace
}  // namespace aether::agent
