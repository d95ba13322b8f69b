// Unit tests of the supervisor's log capture (--log-file): the app's stdout and stderr become
// CRI records with the time they were received, the agent's notices "event" records, a last
// line without '\n' is kept, the pipes do not leak into the app, lines reach the file within
// milliseconds, and the file rotates. RunSupervisor runs in the test process.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "aether/logs/file_tail.h"
#include "aether/logs/log_line.h"
#include "run.h"

namespace aether::agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class RunLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("aether-run-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = (dir_ / "web-v1-0.log").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::current_path(fs::temp_directory_path(), ec);
    fs::remove_all(dir_, ec);
  }

  RunOptions Options(std::vector<std::string> command) {
    RunOptions o;
    o.dir = dir_.string();
    o.no_restart = true;
    o.log_file = log_;
    o.command = std::move(command);
    return o;
  }
  std::vector<logs::FileRecord> Records(const std::string& stream = "") {
    std::vector<logs::FileRecord> out;
    for (auto& r : logs::ReadLogHistory(log_)) {
      if (stream.empty() || r.stream == stream) out.push_back(std::move(r));
    }
    return out;
  }
  static std::vector<std::string> Messages(const std::vector<logs::FileRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.message);
    return out;
  }

  fs::path dir_;
  std::string log_;
};

TEST_F(RunLogTest, CapturesStdoutStderrAndNotices) {
  int64_t before = logs::NowNs();
  EXPECT_EQ(RunSupervisor(Options({"sh", "-c",
                                   "echo out; echo err >&2; printf 'no newline'; "
                                   "exit 3"})),
            3);
  std::vector<logs::FileRecord> records = Records();
  EXPECT_EQ(Messages(Records("stdout")), (std::vector<std::string>{"out", "no newline"}));
  EXPECT_EQ(Messages(Records("stderr")), std::vector<std::string>{"err"});
  std::vector<std::string> events = Messages(Records("event"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].starts_with("started process ")) << events[0];
  EXPECT_NE(events[0].find("(sh -c echo out;"), std::string::npos) << events[0];
  EXPECT_EQ(events[1], "process exited with code 3; exiting (--no-restart)");
  // Received times, strictly increasing in file order; the exit notice comes last.
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records.back().stream, "event");
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_GE(records[i].time_ns, before);
    if (i > 0) {
      EXPECT_GT(records[i].time_ns, records[i - 1].time_ns);
    }
  }
}

TEST_F(RunLogTest, RecordsRestartsAndTheStop) {
  RunOptions o = Options({"sh", "-c",
                          "echo run; [ -f again ] && exec sleep 30; touch again; "
                          "exit 1"});
  o.no_restart = false;
  o.backoff_initial = milliseconds(10);
  std::thread stopper([&] {
    for (int i = 0; i < 500 && Records("stdout").size() < 2; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ::kill(::getpid(), SIGTERM);
  });
  EXPECT_EQ(RunSupervisor(o), 0);
  stopper.join();
  EXPECT_EQ(Messages(Records("stdout")), (std::vector<std::string>{"run", "run"}));
  std::vector<std::string> events = Messages(Records("event"));
  ASSERT_EQ(events.size(), 5u) << ::testing::PrintToString(events);
  EXPECT_TRUE(events[0].starts_with("started process "));
  EXPECT_EQ(events[1], "process exited with code 1; restarting in 10ms (restart 1)");
  EXPECT_TRUE(events[2].starts_with("started process "));
  EXPECT_TRUE(events[3].starts_with("stopping process ")) << events[3];
  EXPECT_TRUE(events[4].starts_with("process killed by signal 15")) << events[4];
}

TEST_F(RunLogTest, LinesReachTheFileAtOnce) {
  // The app prints the time it writes; the record's time is when the agent received it.
  EXPECT_EQ(RunSupervisor(Options({"sh", "-c",
                                   "for i in 1 2 3 4 5; do date +%s%N; sleep 0.05; "
                                   "done"})),
            0);
  std::vector<logs::FileRecord> out = Records("stdout");
  ASSERT_EQ(out.size(), 5u);
  int64_t worst = 0;
  for (const auto& r : out) worst = std::max<int64_t>(worst, r.time_ns - std::stoll(r.message));
  EXPECT_LT(worst, 50'000'000) << "worst latency " << worst / 1000 << " us";
}

TEST_F(RunLogTest, PipesDoNotLeakIntoTheApp) {
  // Every fd of the app's shell, with what it points to: only fd 1 and 2 may be our pipes.
  EXPECT_EQ(RunSupervisor(Options({"sh", "-c",
                                   "for f in /proc/$$/fd/*; do "
                                   "echo \"${f##*/} $(readlink $f)\"; done"})),
            0);
  std::map<std::string, std::string> fds;
  for (const std::string& line : Messages(Records("stdout"))) {
    fds[line.substr(0, line.find(' '))] = line.substr(line.find(' ') + 1);
  }
  ASSERT_TRUE(fds.count("1") && fds.count("2"));
  EXPECT_TRUE(fds["1"].starts_with("pipe:")) << fds["1"];
  EXPECT_NE(fds["1"], fds["2"]);
  for (const auto& [fd, target] : fds) {
    if (fd != "1") {
      EXPECT_NE(target, fds["1"]) << "fd " << fd << " is the stdout pipe too";
    }
    if (fd != "2") {
      EXPECT_NE(target, fds["2"]) << "fd " << fd << " is the stderr pipe too";
    }
  }
}

TEST_F(RunLogTest, RotatesTheLogFile) {
  RunOptions o = Options({"sh", "-c",
                          "i=0; while [ $i -lt 300 ]; do echo line $i; "
                          "i=$((i+1)); done"});
  o.log_max_bytes = 4000;
  o.log_keep = 2;
  EXPECT_EQ(RunSupervisor(o), 0);
  EXPECT_TRUE(fs::exists(log_ + ".2"));
  EXPECT_FALSE(fs::exists(log_ + ".3"));
  EXPECT_LE(fs::file_size(log_ + ".1"), 4000u);
  std::vector<std::string> out = Messages(Records("stdout"));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), "line 299");
}

TEST_F(RunLogTest, AnUnwritableLogFileFailsTheStart) {
  RunOptions o = Options({"true"});
  o.log_file = (dir_ / "missing" / "x.log").string();
  EXPECT_EQ(RunSupervisor(o), 1);
}

}  // namespace
}  // namespace aether::agent
