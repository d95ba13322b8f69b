// `aether logs --follow --json` (the real CLI binary) through test/k8s/cutproxy.py, a TCP relay
// the test cuts mid-stream and restores: every numbered line arrives exactly once, in order, and
// Ctrl-C exits 0. Once against the API over the fake runtime's memory log source (two
// instances, lines appended by the test), once against a whole aetherd whose app prints them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <thread>

#include "aether/api/api_test_util.h"
#include "aether/http/server.h"
#include "aether/http/test_util.h"
#include "daemon_harness.h"

extern char** environ;

namespace aether {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A child process with stdout and stderr in files; killed (SIGKILL) if still running at the end.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
        const std::string& out, const std::string& err)
      : out_(out), err_(err) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> all_env = env;
    for (char** e = environ; *e != nullptr; ++e) all_env.emplace_back(*e);
    for (const auto& e : all_env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return pid_ > 0; }
  void Signal(int sig) const { ::kill(pid_, sig); }
  std::string out() const { return ReadFile(out_); }
  std::string err() const { return ReadFile(err_); }
  // Waits for `what` in stdout, up to `timeout`.
  bool WaitOut(const std::function<bool(const std::string&)>& what, milliseconds timeout) const {
    for (auto end = std::chrono::steady_clock::now() + timeout;
         std::chrono::steady_clock::now() < end;) {
      if (what(out())) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return what(out());
  }
  // The exit code, -1 when it does not end within `timeout` (or was killed by a signal).
  int Wait(milliseconds timeout) {
    for (auto end = std::chrono::steady_clock::now() + timeout;
         std::chrono::steady_clock::now() < end;) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  std::string out_, err_;
};

size_t CountLines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

// The numbers of the "n K" app lines in `ndjson`, in order; fails the test on a line that is not
// a log line.
std::vector<int> Numbers(const std::string& ndjson) {
  std::vector<int> out;
  // Only whole lines: the CLI's output file may be read while a line is half written.
  std::istringstream in(ndjson.substr(0, ndjson.rfind('\n') + 1));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("time") && j.contains("instance")) << line;
    if (!j.is_object() || j.value("container", "") != "app") continue;
    std::string message = j.value("message", "");
    if (message.starts_with("n ")) out.push_back(std::stoi(message.substr(2)));
  }
  return out;
}

std::vector<int> OneTo(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 1);
  return v;
}

// cutproxy.py on a free port in front of `target_port`, and `aether logs --follow --json`
// through it; the test drives the cut.
struct CutFollow {
  CutFollow(const std::string& dir, int target_port, const std::string& token,
            const std::string& app)
      : port(http::testing::FreePort()),
        proxy({"python3", std::string(AETHER_SOURCE_DIR) + "/test/k8s/cutproxy.py",
               "127.0.0.1:" + std::to_string(port), "127.0.0.1:" + std::to_string(target_port)},
              {}, dir + "/proxy.out", dir + "/proxy.err") {
    EXPECT_TRUE(
        proxy.WaitOut([](const std::string& s) { return s.find("ready") != s.npos; }, seconds(10)))
        << proxy.err();
    cli = std::make_unique<Child>(
        std::vector<std::string>{AETHER_CLI_BIN, "logs", "--app", app, "--follow", "--json",
                                 "--server", "http://127.0.0.1:" + std::to_string(port)},
        std::vector<std::string>{"AETHER_TOKEN=" + token, "XDG_CONFIG_HOME=" + dir + "/config",
                                 "NO_COLOR=1"},
        dir + "/cli.out", dir + "/cli.err");
  }

  // Cuts once `cut_after` lines were printed, lets `outage` pass, restores.
  void CutAndRestore(size_t cut_after, milliseconds outage) {
    ASSERT_TRUE(
        cli->WaitOut([&](const std::string& s) { return CountLines(s) >= cut_after; }, seconds(30)))
        << cli->err();
    proxy.Signal(SIGUSR1);
    std::this_thread::sleep_for(outage);
    proxy.Signal(SIGUSR2);
  }

  // Waits for `n` numbered lines, then Ctrl-C; checks the exit code and the numbers.
  void ExpectAllThenInterrupt(int n) {
    cli->WaitOut([&](const std::string& s) { return Numbers(s).size() >= static_cast<size_t>(n); },
                 seconds(60));
    cli->Signal(SIGINT);
    EXPECT_EQ(cli->Wait(seconds(10)), 0) << cli->err();
    EXPECT_EQ(Numbers(cli->out()), OneTo(n));
    EXPECT_NE(cli->err().find("reconnecting"), std::string::npos) << cli->err();
    EXPECT_NE(proxy.out().find("cut"), std::string::npos);
  }

  int port;
  Child proxy;
  std::unique_ptr<Child> cli;
};

std::string TestDir() {
  std::string dir = ::testing::TempDir() + "/aether-logs-cli-" + std::to_string(getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The API over the fakes, served over HTTP; the test appends the lines.
class LogsCliFake : public api::ApiTest {};

TEST_F(LogsCliFake, FollowSurvivesACutWithoutDuplicatesOrGaps) {
  const std::string dir = TestDir();
  ASSERT_EQ(Call("POST", "/apps", kAdminToken, R"({"name":"web"})").status, 201);
  auto server = http::StartServer({}, [this](http::Request& req) { return api.Handle(req); });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  constexpr int kLines = 1200;
  auto append = [this](int i) {
    runtime.memory_logs().Append({logs::NowNs(), "web", "v1", i % 2 == 0 ? "web-1.0" : "web-1.1",
                                  "app", "stdout", "n " + std::to_string(i)});
  };
  for (int i = 1; i <= 100; ++i) append(i);  // history
  CutFollow follow(dir, (*server)->port(), kAdminToken, "web");
  ASSERT_TRUE(follow.cli->ok());
  std::thread writer([&] {
    for (int i = 101; i <= kLines; ++i) {
      append(i);
      std::this_thread::sleep_for(milliseconds(3));
    }
  });
  follow.CutAndRestore(300, milliseconds(800));
  writer.join();
  follow.ExpectAllThenInterrupt(kLines);
  (*server)->Stop();
  fs::remove_all(dir);
}

// A whole aetherd (local runtime, real agent) whose app prints "n 1" … "n N".
class LogsCliDaemon : public ::testing::Test, public testing::DaemonHarness {
 protected:
  void TearDown() override { StopDaemon(); }
};

TEST_F(LogsCliDaemon, FollowSurvivesACutWithoutDuplicatesOrGaps) {
  StartDaemon();
  constexpr int kLines = 1500;
  std::string src = dir_ + "/counter";
  fs::create_directories(src);
  std::ofstream(src + "/index.js")
      << "const http = require('node:http');\n"
         "http.createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT));\n"
         "let i = 0;\n"
         "const t = setInterval(() => { console.log('n ' + (++i)); if (i >= "
      << kLines << ") clearInterval(t); }, 4);\n";
  ASSERT_EQ(Call("POST", "/apps", R"({"name":"counter"})").status, 201);
  auto layer = artifact::PackTree(src, artifact::IgnoreRules::WithDefaults(), src + ".tar.zst");
  ASSERT_TRUE(layer.ok()) << layer.status().ToString();
  auto deployed = Deploy("counter", RegisterLayer("counter", layer->path));
  ASSERT_EQ(deployed["status"], "running") << deployed.dump();
  std::string api = daemon_->api_url();
  int api_port = std::stoi(api.substr(api.rfind(':') + 1));
  const std::string dir = dir_ + "/cli";
  fs::create_directories(dir);
  CutFollow follow(dir, api_port, token_, "counter");
  ASSERT_TRUE(follow.cli->ok());
  follow.CutAndRestore(500, milliseconds(800));
  follow.ExpectAllThenInterrupt(kLines);
}

}  // namespace
}  // namespace aether
