// Implementation of `aether-agent run` (see run.h). Owned by the agent binary; single-
// threaded. Signals reach the loop through a self-pipe written by async-signal-safe
// handlers; the loop sleeps in poll() until a signal, the app's output (with a log file) or the
// next timer (restart, grace). A SwapSource's wake-up is one more byte (0) on the same pipe.
#include "run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "aether/core/files.h"
#include "output.h"
#include "sandbox.h"

namespace aether::agent {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP};
constexpr milliseconds kKillWait{5000};  // after SIGKILL, how long to wait for the reap
constexpr unsigned char kWakeByte = 0;   // not a signal number: "a swap may be pending"

int g_signal_write_fd = -1;

void OnSignal(int sig) {
  int saved = errno;
  auto byte = static_cast<unsigned char>(sig);
  ssize_t ignored = ::write(g_signal_write_fd, &byte, 1);
  (void)ignored;  // a full pipe already holds a wake-up
  errno = saved;
}

void Wake() {
  ssize_t ignored = ::write(g_signal_write_fd, &kWakeByte, 1);
  (void)ignored;
}

class Supervisor {
 public:
  explicit Supervisor(const RunOptions& options)
      : options_(options),
        dir_(options.dir),
        command_(options.command),
        backoff_(options.backoff_initial) {}

  int Run() {
    if (!Setup()) return 1;
    Spawn();
    while (!done_) {
      pollfd pfds[3] = {{read_fd_, POLLIN, 0}};
      nfds_t n = 1;
      if (output_) {
        pfds[n++] = {output_->stdout_fd(), POLLIN, 0};
        pfds[n++] = {output_->stderr_fd(), POLLIN, 0};
      }
      int r = ::poll(pfds, n, TimeoutMs());
      if (r < 0 && errno != EINTR) {
        std::fprintf(stderr, "aether-agent: run: poll: %s\n", std::strerror(errno));
        return 1;
      }
      if (r > 0 && output_ && (pfds[1].revents | pfds[2].revents) != 0) output_->Read(false);
      if (r > 0 && pfds[0].revents != 0) DrainSignals();
      RunTimers();
    }
    if (output_) {  // what the app (or a child it left) wrote last
      output_->Read(true);
      output_->FlushPartial();
    }
    return exit_code_;
  }

 private:
  // A notice: an "event" record in the log file, else a line on stderr.
  void Log(const std::string& line) {
    if (output_) {
      output_->Event(line);
    } else {
      std::fprintf(stderr, "[aether-agent] %s\n", line.c_str());
    }
  }

  // A notice only the log file gets (stderr keeps what Kubernetes has always seen there).
  void Notice(const std::string& line) {
    if (output_) output_->Event(line);
  }

  bool Setup() {
    if (options_.command.empty()) {
      std::fprintf(stderr, "aether-agent: run: no command given (use: run --dir DIR -- CMD)\n");
      return false;
    }
    // Before the chdir: a relative --log-file is relative to where the agent started (and made
    // absolute, as rotation renames it later).
    if (!options_.log_file.empty()) {
      std::error_code ec;
      std::string log_file = std::filesystem::absolute(options_.log_file, ec).string();
      auto output = AppOutput::Open({ec ? options_.log_file : log_file, options_.log_max_bytes,
                                     std::max(0, options_.log_keep)});
      if (!output.ok()) {
        std::fprintf(stderr, "aether-agent: run: %s\n", output.status().message().c_str());
        return false;
      }
      output_ = std::move(output).value();
    }
    if (options_.sandbox) {
      if (!GiveToSandbox(options_.dir)) return false;
      std::error_code ec;  // before the chdir: the sandbox binds the directory by its full path
      dir_ = std::filesystem::absolute(options_.dir.empty() ? "." : options_.dir, ec).string();
    }
    if (!options_.dir.empty() && ::chdir(options_.dir.c_str()) != 0) {
      std::fprintf(stderr, "aether-agent: run: cannot chdir to %s: %s\n", options_.dir.c_str(),
                   std::strerror(errno));
      return false;
    }
    // As `npm start` does: the app's own bin links come first on PATH.
    const char* path = std::getenv("PATH");
    base_path_ = path != nullptr ? path : "/usr/bin:/bin";
    std::error_code ec;
    std::string bin = std::filesystem::current_path(ec).string() + "/node_modules/.bin";
    ::setenv("PATH", (bin + ":" + base_path_).c_str(), 1);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      std::fprintf(stderr, "aether-agent: run: pipe: %s\n", std::strerror(errno));
      return false;
    }
    read_fd_ = fds[0];
    g_signal_write_fd = fds[1];
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : kForwarded) sigaction(sig, &sa, nullptr);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    // Orphaned grandchildren are re-parented to us and reaped by the waitpid(-1) loop.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    return StartSwapSource();
  }

  // The source's threads must not take our signals: they inherit a mask blocking them.
  bool StartSwapSource() {
    if (options_.swaps == nullptr) return true;
    sigset_t block, old;
    sigemptyset(&block);
    for (int sig : kForwarded) sigaddset(&block, sig);
    sigaddset(&block, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    bool started = options_.swaps->Start(Wake);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return started;
  }

  // With the sandbox and a root agent: the app's user must own its directory.
  bool GiveToSandbox(const std::string& dir) {
    if (::geteuid() != 0) return true;
    Status given = GiveAppDir(dir.empty() ? "." : dir, kSandboxUid, kSandboxGid);
    if (!given.ok()) Log("sandbox: " + given.message());
    return given.ok();
  }

  // The command, wrapped in bwrap with the sandbox.
  std::vector<std::string> CommandLine() const {
    if (!options_.sandbox) return command_;
    SandboxSpec spec;
    spec.app_dir = dir_;
    if (::geteuid() == 0) spec.run_as = std::make_pair(kSandboxUid, kSandboxGid);
    spec.system = DetectHostSystem();
    spec.extra_ro = ExtraReadOnlyPaths(command_);
    spec.path = std::string(kSandboxAppDir) + "/node_modules/.bin:" + base_path_;
    spec.command = command_;
    return SandboxArgv(spec);
  }

  void Spawn() {
    std::vector<std::string> line = CommandLine();
    std::vector<char*> argv;
    argv.reserve(line.size() + 1);
    for (const std::string& arg : line) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    sigset_t block, old;
    sigemptyset(&block);
    for (int sig : kForwarded) sigaddset(&block, sig);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);  // no handler may run in the child before exec
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      sigemptyset(&dfl.sa_mask);
      for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE}) sigaction(sig, &dfl, nullptr);
      if (options_.sandbox) {
        // bwrap's processes must outlive the forwarded signals, or the sandbox would be torn
        // down (SIGKILL) under the app while it stops gracefully; `env --default-signal` inside
        // gives the app the default handling back.
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        for (int sig : kForwarded) sigaction(sig, &ign, nullptr);
      }
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      if (output_) output_->RedirectChild();
      // A swap source's sockets (API watch, status listener) lack FD_CLOEXEC: keep them from the
      // app.
      if (options_.swaps != nullptr && ::close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < 4096; ++fd) ::close(fd);
      }
      if (!path_env_.empty()) {  // swapped: the new release's directory and bin links
        if (::chdir(dir_.c_str()) != 0) {
          ::dprintf(2, "aether-agent: run: cannot chdir to %s: %s\n", dir_.c_str(),
                    std::strerror(errno));
          ::_exit(127);
        }
        ::putenv(path_env_.data());
      }
      ::execvp(argv[0], argv.data());
      ::dprintf(2, "aether-agent: run: cannot exec '%s': %s\n", argv[0], std::strerror(errno));
      ::_exit(127);
    }
    if (pid < 0) {
      Log(std::string("cannot fork: ") + std::strerror(errno));
      ScheduleRestart("process could not start");
    } else {
      ::setpgid(pid, pid);  // also here, so signals sent right away reach the group
      child_ = pid;
      started_ = Clock::now();
      Notice("started process " + std::to_string(pid) + " (" + Describe(command_) + ")");
      Notify();
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
  }

  void Notify() {
    if (options_.swaps != nullptr) options_.swaps->ProcessChanged(child_, restarts_);
  }

  // A swap request: stop the current process first, or start the new one at once when none runs.
  void CheckSwap() {
    if (options_.swaps == nullptr || stopping_ || swap_) return;
    std::optional<SwapRequest> request = options_.swaps->TakeSwap();
    if (!request) return;
    swap_ = std::move(request);
    if (child_ > 0) {
      Log("swapping to " + swap_->dir + ": stopping process " + std::to_string(child_));
      ::kill(-child_, SIGTERM);
      swap_deadline_ = Clock::now() + options_.grace;
      swap_killed_ = false;
    } else {
      restart_at_.reset();
      StartSwapped();
    }
  }

  void StartSwapped() {
    SwapRequest request = std::move(*swap_);
    swap_.reset();
    dir_ = request.dir;
    if (!request.command.empty()) command_ = request.command;
    if (options_.sandbox) GiveToSandbox(dir_);
    path_env_ = "PATH=" + dir_ + "/node_modules/.bin:" + base_path_;
    if (::chdir(dir_.c_str()) != 0) {  // ours too, so we do not sit in a removed directory
      Log("cannot chdir to " + dir_ + ": " + std::strerror(errno));
    }
    backoff_ = options_.backoff_initial;
    Spawn();
    options_.swaps->Swapped(request, child_);
  }

  void DrainSignals() {
    unsigned char buf[64];
    ssize_t n;
    while ((n = ::read(read_fd_, buf, sizeof(buf))) > 0) {
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] == kWakeByte) {
          CheckSwap();
        } else {
          HandleSignal(buf[i]);
        }
      }
    }
  }

  void HandleSignal(int sig) {
    if (sig == SIGCHLD) {
      int status = 0;
      pid_t pid;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == child_) ChildExited(status);
      }
      return;
    }
    if (child_ > 0) ::kill(-child_, sig);
    if (sig == SIGHUP || stopping_) return;
    // SIGTERM or SIGINT: stop for good.
    if (child_ > 0) {
      Notice("stopping process " + std::to_string(child_) + " (" + strsignal(sig) + ")");
    }
    stopping_ = true;
    restart_at_.reset();
    if (child_ <= 0) {
      done_ = true;
      return;
    }
    deadline_ = Clock::now() + options_.grace;
  }

  void ChildExited(int status) {
    pid_t group = child_;
    child_ = 0;
    ::kill(-group, SIGKILL);  // whatever the process left behind in its group
    if (output_) {            // its last words come before the notice of its end
      output_->Read(true);
      output_->FlushPartial();
    }
    if (stopping_) {
      Notice(DescribeStatus(status) + " after the stop request");
      done_ = true;
      exit_code_ = 0;
      return;
    }
    if (swap_) {  // the old process is gone: start the new one
      StartSwapped();
      return;
    }
    std::string what = DescribeStatus(status);
    if (options_.no_restart) {
      Log(what + "; exiting (--no-restart)");
      done_ = true;
      exit_code_ = WIFEXITED(status)     ? WEXITSTATUS(status)
                   : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                         : 1;
      return;
    }
    if (Clock::now() - started_ >= options_.reset_after) backoff_ = options_.backoff_initial;
    ScheduleRestart(what);
  }

  void ScheduleRestart(const std::string& what) {
    milliseconds delay = backoff_;
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
    ++restarts_;
    Log(what + "; restarting in " + std::to_string(delay.count()) + "ms (restart " +
        std::to_string(restarts_) + ")");
    restart_at_ = Clock::now() + delay;
    Notify();
    if (!options_.status_file.empty()) {
      nlohmann::json status = {{"restarts", restarts_}, {"last_exit", what}};
      Status written = WriteFileAtomic(options_.status_file, status.dump() + "\n", 0644);
      if (!written.ok()) Log("cannot write status file: " + written.message());
    }
  }

  void RunTimers() {
    Clock::time_point now = Clock::now();
    if (stopping_ && child_ > 0 && !killed_ && now >= deadline_) {
      Log("process did not stop within " + std::to_string(options_.grace.count()) +
          "ms; sending SIGKILL");
      ::kill(-child_, SIGKILL);
      killed_ = true;
      deadline_ = now + kKillWait;
    } else if (stopping_ && child_ > 0 && killed_ && now >= deadline_) {
      Log("process survived SIGKILL; giving up");
      done_ = true;
      exit_code_ = 1;
    }
    if (!stopping_ && swap_ && child_ > 0 && !swap_killed_ && now >= swap_deadline_) {
      Log("process did not stop within " + std::to_string(options_.grace.count()) +
          "ms for the swap; sending SIGKILL");
      ::kill(-child_, SIGKILL);
      swap_killed_ = true;
    }
    if (!stopping_ && restart_at_ && now >= *restart_at_) {
      restart_at_.reset();
      Spawn();
    }
  }

  // Milliseconds until the next timer, or -1 to wait for a signal only.
  int TimeoutMs() const {
    std::optional<Clock::time_point> next;
    if (stopping_ && child_ > 0) next = deadline_;
    if (!stopping_ && restart_at_) next = restart_at_;
    if (!stopping_ && swap_ && child_ > 0 && !swap_killed_ && (!next || swap_deadline_ < *next)) {
      next = swap_deadline_;
    }
    if (!next) return -1;
    auto left = std::chrono::ceil<milliseconds>(*next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
  }

  static std::string Describe(const std::vector<std::string>& command) {
    std::string out;
    for (const std::string& arg : command) out += (out.empty() ? "" : " ") + arg;
    return out.size() > 200 ? out.substr(0, 200) + "…" : out;
  }

  static std::string DescribeStatus(int status) {
    if (WIFEXITED(status)) return "process exited with code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
      return "process killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
             strsignal(WTERMSIG(status)) + ")";
    }
    return "process stopped";
  }

  const RunOptions options_;
  std::unique_ptr<AppOutput> output_;  // with a log file
  std::string dir_;                    // where the process runs (changes with a swap)
  std::vector<std::string> command_;   // what it runs (changes with a swap)
  std::string base_path_;              // PATH before the app's bin directory was put first
  std::string path_env_;               // "PATH=…" for the child after a swap; "" before
  std::optional<SwapRequest> swap_;    // taken from the source, waiting for the old process to end
  Clock::time_point swap_deadline_;
  bool swap_killed_ = false;
  int read_fd_ = -1;
  pid_t child_ = 0;
  Clock::time_point started_;
  bool stopping_ = false;
  bool killed_ = false;
  bool done_ = false;
  int exit_code_ = 0;
  Clock::time_point deadline_;
  std::optional<Clock::time_point> restart_at_;
  milliseconds backoff_;
  int restarts_ = 0;
};

}  // namespace

int RunSupervisor(const RunOptions& options) { return Supervisor(options).Run(); }

}  // namespace aether::agent
