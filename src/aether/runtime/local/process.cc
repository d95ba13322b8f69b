// fork/exec based process control for the local runtime, plus /proc and kill(pid, 0) based
// liveness for the instances a previous aetherd left running. Stateless but for the spawner.
#include "aether/runtime/local/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

namespace aether::local {
namespace {

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));  // NOLINT
  out.push_back(nullptr);
  return out;
}

// Runs in the forked child: only async-signal-safe calls (no allocation) until execve.
[[noreturn]] void ExecChild(char* const* argv, char* const* envp, int out_fd, int err_fd,
                            bool detach) {
  if (detach) {
    setsid();
  } else {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
  }
  // aetherd blocks SIGTERM/SIGINT in every thread (main waits for them); execve keeps the mask.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int devnull = open("/dev/null", O_RDONLY);
  dup2(devnull, STDIN_FILENO);
  if (out_fd >= 0) dup2(out_fd, STDOUT_FILENO);
  if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
  // Nothing else crosses over: an inherited listening socket would keep aetherd's ports bound
  // by the apps after aetherd exits.
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 4096; ++fd) close(fd);
  }
  execve(argv[0], argv, envp);
  static const char kMsg[] = "aetherd: cannot exec the child process\n";
  (void)!write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  _exit(127);
}

int OpenLog(const std::string& path) {
  if (path.empty()) return open("/dev/null", O_WRONLY | O_CLOEXEC);
  return open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

// PR_SET_PDEATHSIG fires when the *thread* that forked exits, so every fork happens on one
// long-lived thread: children then die with aetherd, not with the rollout thread that asked.
class Spawner {
 public:
  static Spawner& Get() {
    static Spawner* s = new Spawner();  // never destroyed: children may outlive main's statics
    return *s;
  }

  Result<pid_t> Run(const std::function<Result<pid_t>()>& fork_child) {
    std::promise<Result<pid_t>> done;
    auto fut = done.get_future();
    {
      std::lock_guard lock(mu_);
      queue_.push_back([&] { done.set_value(fork_child()); });
    }
    cv_.notify_one();
    return fut.get();
  }

 private:
  Spawner() {
    std::thread([this] {
      while (true) {
        std::function<void()> job;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] { return !queue_.empty(); });
          job = std::move(queue_.front());
          queue_.pop_front();
        }
        job();
      }
    }).detach();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
};

Result<pid_t> ForkExec(const SpawnOptions& o) {
  if (o.argv.empty()) return InvalidArgument("empty command");
  int out_fd = OpenLog(o.stdout_path);
  int err_fd = OpenLog(o.stderr_path);
  if (out_fd < 0 || err_fd < 0) {
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    return Internal("cannot open log files for " + o.argv[0] + ": " + strerror(errno));
  }
  auto argv = CStrings(o.argv);
  auto envp = CStrings(o.env);
  pid_t pid = fork();
  if (pid == 0) ExecChild(argv.data(), envp.data(), out_fd, err_fd, o.detach);
  close(out_fd);
  close(err_fd);
  if (pid < 0) return Internal(std::string("fork failed: ") + strerror(errno));
  return pid;
}

}  // namespace

Result<pid_t> Spawn(const SpawnOptions& o) {
  return Spawner::Get().Run([&] { return ForkExec(o); });
}

std::optional<int> TryWait(pid_t pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid) return status;
  if (r < 0 && errno == ECHILD) return 0;  // already reaped
  return std::nullopt;
}

namespace {

// The NUL-separated arguments of `pid` ("" for zombies, kernel threads and gone processes).
std::string CommandLine(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

bool IsRunning(pid_t pid, const std::string& expect_arg) {
  if (pid <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid) return false;  // our child, exited: now reaped
  if (r == 0) return true;     // our child, running
  if (kill(pid, 0) != 0) return false;
  std::string args = CommandLine(pid);
  if (args.empty()) return false;
  if (expect_arg.empty()) return true;
  std::istringstream in(args);
  for (std::string arg; std::getline(in, arg, '\0');) {
    if (arg == expect_arg) return true;
  }
  return false;
}

void Stop(pid_t pid, std::chrono::milliseconds grace, const std::string& expect_arg) {
  // IsRunning reaps our own children and checks others (adopted after a restart) by cmdline.
  if (!IsRunning(pid, expect_arg)) return;  // gone, or the pid now names another process
  auto wait_gone = [&](std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (IsRunning(pid, expect_arg)) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  kill(pid, SIGTERM);
  if (wait_gone(grace)) return;
  kill(-pid, SIGKILL);  // the whole group: the agent and whatever it started
  kill(pid, SIGKILL);
  wait_gone(std::chrono::seconds(5));
}

Result<RunOutput> RunCaptured(const SpawnOptions& options, std::chrono::milliseconds timeout) {
  char out_tmpl[] = "/tmp/aether-run-out-XXXXXX";
  char err_tmpl[] = "/tmp/aether-run-err-XXXXXX";
  int ofd = mkstemp(out_tmpl);
  int efd = mkstemp(err_tmpl);
  if (ofd >= 0) close(ofd);
  if (efd >= 0) close(efd);
  SpawnOptions o = options;
  o.stdout_path = out_tmpl;
  o.stderr_path = err_tmpl;
  auto cleanup = [&] {
    unlink(out_tmpl);
    unlink(err_tmpl);
  };
  auto pid = Spawn(o);
  if (!pid.ok()) {
    cleanup();
    return pid.status();
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<int> status;
  while (!(status = TryWait(*pid))) {
    if (std::chrono::steady_clock::now() > deadline) {
      Stop(*pid, std::chrono::milliseconds(0));
      cleanup();
      return Status(ErrorCode::kTimeout, options.argv[0] + " did not finish in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  RunOutput r;
  r.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  std::ifstream out_in(out_tmpl), err_in(err_tmpl);
  std::stringstream out_ss, err_ss;
  out_ss << out_in.rdbuf();
  err_ss << err_in.rdbuf();
  r.out = out_ss.str();
  r.err = err_ss.str();
  cleanup();
  return r;
}

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "stopped";
}

std::string TailFile(const std::string& path, int max_lines) {
  constexpr std::streamoff kWindow = std::streamoff{64} * 1024;  // logs grow: read the end only
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  in.seekg(size > kWindow ? size - kWindow : 0);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (text.empty()) return "";
  size_t start = text.size();
  for (int n = 0; n < max_lines && start != std::string::npos && start > 0; ++n) {
    start = text.rfind('\n', start - 1);
  }
  return start == std::string::npos ? text : text.substr(start + 1);
}

}  // namespace aether::local
