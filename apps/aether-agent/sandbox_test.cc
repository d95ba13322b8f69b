// Tests of the app sandbox: the bwrap argv (pure), and the supervisor running real commands in
// real bwrap: the uid, what is visible and writable, and a dev-hot swap into another directory
// (the new one is what /app shows). The supervisor tests run RunSupervisor in the test process.
#include "sandbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "run.h"

namespace aether::agent {
namespace {

namespace fs = std::filesystem;

// Index of the first `a b` pair in argv, or -1.
long Find(const std::vector<std::string>& argv, const std::string& a, const std::string& b = "") {
  for (size_t i = 0; i + (b.empty() ? 0 : 1) < argv.size(); ++i) {
    if (argv[i] == a && (b.empty() || argv[i + 1] == b)) return static_cast<long>(i);
  }
  return -1;
}

SandboxSpec Spec() {
  SandboxSpec s;
  s.app_dir = "/srv/data/releases/web/dep-1";
  s.system = {{"/bin", "usr/bin"}, {"/lib", "usr/lib"}, {"/lib64", ""}};
  s.path = "/app/node_modules/.bin:/usr/bin:/bin";
  s.command = {"node", "server.js"};
  return s;
}

TEST(SandboxArgv, AsRootDropsToTheGivenUserWithoutAUserNamespace) {
  SandboxSpec s = Spec();
  s.run_as = std::make_pair(uid_t{65534}, gid_t{65534});
  auto argv = SandboxArgv(s);
  ASSERT_EQ(argv[0], "bwrap");
  EXPECT_EQ(Find(argv, "--unshare-all"), -1) << "its user namespace would map root to root";
  for (const char* ns : {"--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                         "--die-with-parent"}) {
    EXPECT_GE(Find(argv, ns), 0) << ns;
  }
  EXPECT_GE(Find(argv, "--cap-drop", "ALL"), 0);
  EXPECT_EQ(Find(argv, "--new-session"), -1) << "the app must stay in the agent's process group";
  long dashes = Find(argv, "--");
  ASSERT_GT(dashes, 0);
  std::vector<std::string> tail(argv.begin() + dashes + 1, argv.end());
  std::vector<std::string> want = {"setpriv",
                                   "--reuid=65534",
                                   "--regid=65534",
                                   "--clear-groups",
                                   "--inh-caps=-all",
                                   "--bounding-set=-all",
                                   "--no-new-privs",
                                   "--",
                                   "env",
                                   "--default-signal=HUP,INT,TERM",
                                   "--",
                                   "node",
                                   "server.js"};
  EXPECT_EQ(tail, want);
}

TEST(SandboxArgv, AsAUserUnsharesEverythingButTheNetwork) {
  auto argv = SandboxArgv(Spec());
  EXPECT_GE(Find(argv, "--unshare-all"), 0);
  EXPECT_GE(Find(argv, "--share-net"), 0);
  EXPECT_GE(Find(argv, "--cap-drop", "ALL"), 0);
  EXPECT_GE(Find(argv, "--die-with-parent"), 0);
  EXPECT_EQ(Find(argv, "setpriv"), -1);
  EXPECT_EQ(Find(argv, "--cap-add"), -1);
}

TEST(SandboxArgv, BindsTheSystemReadOnlyTheAppDirWritableAndNothingElse) {
  auto argv = SandboxArgv(Spec());
  EXPECT_GE(Find(argv, "--ro-bind", "/usr"), 0);
  EXPECT_GE(Find(argv, "--symlink", "usr/bin"), 0);
  EXPECT_GE(Find(argv, "--ro-bind", "/lib64"), 0);
  long app = Find(argv, "--bind", "/srv/data/releases/web/dep-1");
  ASSERT_GE(app, 0);
  EXPECT_EQ(argv[app + 2], "/app");
  EXPECT_GE(Find(argv, "--chdir", "/app"), 0);
  EXPECT_GE(Find(argv, "--setenv", "HOME"), 0);
  EXPECT_EQ(argv[Find(argv, "--setenv", "PATH") + 2], "/app/node_modules/.bin:/usr/bin:/bin");
  long tmp = Find(argv, "--tmpfs", "/tmp");
  ASSERT_GE(tmp, 2);
  EXPECT_EQ(argv[tmp - 2], "--perms");
  EXPECT_EQ(argv[tmp - 1], "1777");
  EXPECT_GE(Find(argv, "--proc", "/proc"), 0);
  EXPECT_GE(Find(argv, "--dev", "/dev"), 0);
  // Every host path bound is the system, a chosen /etc file, or the app dir.
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] != "--bind" && argv[i] != "--ro-bind" && argv[i] != "--ro-bind-try") continue;
    const std::string& src = argv[i + 1];
    bool allowed = src == "/usr" || src == "/lib64" || src == "/srv/data/releases/web/dep-1" ||
                   (src.starts_with("/etc/") && src != "/etc/shadow" && src != "/etc/ssl/private");
    EXPECT_TRUE(allowed) << src;
    EXPECT_EQ(Find(argv, "--bind", "/etc"), -1);
  }
  for (const char* etc :
       {"/etc/resolv.conf", "/etc/hosts", "/etc/passwd", "/etc/ssl/certs", "/etc/ld.so.cache"}) {
    EXPECT_GE(Find(argv, "--ro-bind-try", etc), 0) << etc;
  }
  // /etc and /etc/ssl are made readable before anything is mounted in them.
  long etc = Find(argv, "--dir", "/etc");
  ASSERT_GE(etc, 2);
  EXPECT_EQ(argv[etc - 1], "0755");
  EXPECT_LT(etc, Find(argv, "--ro-bind-try", "/etc/resolv.conf"));
  EXPECT_LT(Find(argv, "--dir", "/etc/ssl"), Find(argv, "--ro-bind-try", "/etc/ssl/certs"));
}

TEST(SandboxArgv, ExtraPathsGetReadableParents) {
  SandboxSpec s = Spec();
  s.extra_ro = {"/opt/node-v20"};
  auto argv = SandboxArgv(s);
  long opt = Find(argv, "--dir", "/opt");
  ASSERT_GE(opt, 0);
  EXPECT_LT(opt, Find(argv, "--ro-bind-try", "/opt/node-v20"));
}

TEST(SandboxArgv, ExtraPathsAlreadyBoundAreSkipped) {
  SandboxSpec s = Spec();
  s.extra_ro = {"/etc/ssl/certs/ca-certificates.crt", "/usr/local/lib/node"};
  auto argv = SandboxArgv(s);
  EXPECT_EQ(Find(argv, "--ro-bind-try", "/etc/ssl/certs/ca-certificates.crt"), -1);
  EXPECT_EQ(Find(argv, "--ro-bind-try", "/usr/local/lib/node"), -1);
  EXPECT_EQ(Find(argv, "--dir", "/etc/ssl/certs"), -1);
}

TEST(SandboxHost, ExtraPathsSkipTheSystemAndFindOtherInstalls) {
  EXPECT_TRUE(ExtraReadOnlyPaths({"/usr/bin/node"}).empty() ||
              std::getenv("NODE_EXTRA_CA_CERTS") != nullptr);
  fs::path dir = fs::path(::testing::TempDir()) / ("sbx-node-" + std::to_string(getpid()));
  fs::create_directories(dir / "bin");
  std::ofstream(dir / "bin" / "node") << "#!/bin/sh\n";
  auto extra = ExtraReadOnlyPaths({(dir / "bin" / "node").string()});
  ASSERT_FALSE(extra.empty());
  EXPECT_EQ(extra[0], fs::canonical(dir).string());
  fs::remove_all(dir);
}

// --- the supervisor in real bwrap -----------------------------------------------------------

class SandboxRun : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("sbx-run-" + std::to_string(getpid()));
    fs::remove_all(root_);
    // The data dir stand-in: private to the agent's user, like aetherd's.
    fs::create_directories(root_ / "data" / "releases" / "one");
    fs::permissions(root_ / "data", fs::perms::owner_all);
    std::ofstream(root_ / "data" / "secret") << "s3cr3t\n";
    fs::permissions(root_ / "data" / "secret", fs::perms::owner_read | fs::perms::owner_write);
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  fs::path root_;
};

TEST_F(SandboxRun, TheAppSeesOnlyItsDirAndTheSystem) {
  fs::path app = root_ / "data" / "releases" / "one";
  RunOptions o;
  o.dir = app.string();
  o.no_restart = true;
  o.sandbox = true;
  std::string secret = (root_ / "data" / "secret").string();
  o.command = {"sh", "-c",
               "id -u > out; pwd >> out; echo \"$HOME\" >> out;"
               "(cat " +
                   secret +
                   " || echo no-secret) >> out 2>/dev/null;"
                   "(ls " +
                   root_.string() +
                   "/data || echo no-data) >> out 2>/dev/null;"
                   "(touch /usr/x 2>/dev/null && echo usr-writable || echo usr-ro) >> out;"
                   "(echo t > /tmp/t && echo tmp-ok) >> out"};
  ASSERT_EQ(RunSupervisor(o), 0);
  std::istringstream lines(Read(app / "out"));
  std::vector<std::string> got;
  for (std::string l; std::getline(lines, l);) got.push_back(l);
  ASSERT_EQ(got.size(), 7u) << Read(app / "out");
  if (::geteuid() == 0) {
    EXPECT_EQ(got[0], std::to_string(kSandboxUid));
    struct stat st {};
    ASSERT_EQ(::stat(app.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, kSandboxUid) << "the release dir was given to the app's user";
  } else {
    EXPECT_EQ(got[0], std::to_string(::getuid()));
  }
  EXPECT_EQ(got[1], "/app");
  EXPECT_EQ(got[2], "/app");
  EXPECT_EQ(got[3], "no-secret");
  EXPECT_EQ(got[4], "no-data");
  EXPECT_EQ(got[5], "usr-ro");
  EXPECT_EQ(got[6], "tmp-ok");
}

// Swaps once into `next` after the first process wrote its marker in `first`, then stops the
// supervisor once the swapped process wrote its own.
class OneSwap : public SwapSource {
 public:
  OneSwap(std::string first, std::string next) : first_(std::move(first)), next_(std::move(next)) {}
  ~OneSwap() override {
    if (thread_.joinable()) thread_.join();
  }
  bool Start(std::function<void()> wake) override {
    thread_ = std::thread([this, wake] {
      for (int i = 0; i < 1000 && !fs::exists(fs::path(first_) / "marker"); ++i) {
        std::this_thread::sleep_for(kTick);
      }
      posted_ = true;
      wake();
      for (int i = 0; i < 1000 && !fs::exists(fs::path(next_) / "marker"); ++i) {
        std::this_thread::sleep_for(kTick);
      }
      ::kill(::getpid(), SIGTERM);
    });
    return true;
  }
  std::optional<SwapRequest> TakeSwap() override {
    if (!posted_.exchange(false)) return std::nullopt;
    return SwapRequest{next_, {}};
  }
  void Swapped(const SwapRequest&, pid_t pid) override { swapped_ = pid; }
  void ProcessChanged(pid_t pid, int) override { pid_ = pid; }

  std::atomic<pid_t> swapped_{0};

 private:
  static constexpr std::chrono::milliseconds kTick{10};
  std::string first_;
  std::string next_;
  std::atomic<pid_t> pid_{0};
  std::atomic<bool> posted_{false};
  std::thread thread_;
};

TEST_F(SandboxRun, ADevHotSwapRunsTheNewDirectoryAtApp) {
  fs::path one = root_ / "data" / "releases" / "one";
  fs::path two = root_ / "data" / "releases" / "two";
  fs::create_directories(two);
  std::ofstream(one / "name") << "one\n";
  std::ofstream(two / "name") << "two\n";
  OneSwap swaps(one.string(), two.string());
  RunOptions o;
  o.dir = one.string();
  o.sandbox = true;
  o.grace = std::chrono::milliseconds(2000);
  o.swaps = &swaps;
  o.command = {"sh", "-c", "cp /app/name /app/marker; exec sleep 30"};
  EXPECT_EQ(RunSupervisor(o), 0);
  EXPECT_GT(swaps.swapped_.load(), 0);
  EXPECT_EQ(Read(two / "marker"), "two\n") << "the swapped process saw the new dir at /app";
  EXPECT_EQ(Read(one / "marker"), "one\n");
}

}  // namespace
}  // namespace aether::agent
