// One app's shared log follower (log_hub.h): a thread sleeping in poll(2) on an inotify
// descriptor watching the app's log directory and an eventfd for Stop.
#include "aether/runtime/local/log_hub.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string_view>
#include <thread>
#include <utility>

namespace aether::local {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kWatchMask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF;
// How long the tailer lets writes accumulate after a wake-up before reading them: bounds the
// rounds (and the wake-ups of every follower) to a few hundred per second at any write rate.
constexpr std::chrono::milliseconds kCoalesce{3};

}  // namespace

logs::LogLine ToLogLine(std::string_view app, const InstanceFile& file, logs::FileRecord record) {
  logs::LogLine line;
  line.time_ns = record.time_ns;
  line.app = std::string(app);
  line.release = file.release;
  line.instance = file.instance;
  bool event = record.stream == logs::kEventStream;
  line.container = event ? std::string(logs::kPlatformContainer) : "app";
  line.stream = std::move(record.stream);
  line.message = std::move(record.message);
  return line;
}

LogHub::LogHub(std::string app, std::string dir, std::chrono::milliseconds rescan)
    : app_(std::move(app)), dir_(std::move(dir)), rescan_(rescan) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);  // -1: poll on a timer instead
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

LogHub::~LogHub() {
  Stop();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

int LogHub::Add(logs::LogQuery query, std::shared_ptr<logs::Feed> feed,
                std::vector<FileStart>* starts) {
  std::lock_guard lock(mu_);
  ScanLocked();
  for (const auto& [name, tail] : tails_) {
    starts->push_back({tail->follower.path(), tail->file, tail->follower.position()});
  }
  int id = next_id_++;
  followers_[id] = {std::move(query), std::move(feed)};
  return id;
}

bool LogHub::Remove(int id) {
  std::lock_guard lock(mu_);
  followers_.erase(id);
  return followers_.empty();
}

void LogHub::Start() {
  std::lock_guard lock(mu_);
  if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { Run(); });
}

void LogHub::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  uint64_t one = 1;
  if (wake_fd_ >= 0) {
    ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
    (void)ignored;
  }
  if (thread_.joinable()) thread_.join();
}

void LogHub::WatchLocked() {
  if (inotify_fd_ < 0 || watch_ >= 0) return;
  watch_ = ::inotify_add_watch(inotify_fd_, dir_.c_str(), kWatchMask);
}

void LogHub::ScanLocked() {
  WatchLocked();  // before listing, so a file created meanwhile is either listed or announced
  DIR* d = ::opendir(dir_.c_str());
  bool initial = !scanned_;
  scanned_ = true;
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (tails_.find(name) != tails_.end()) continue;
    std::optional<InstanceFile> file = ParseInstanceFile(app_, name);
    if (!file) continue;
    // Files there before the first follower came are its history; later ones are all new.
    auto start = initial ? logs::FileFollower::Start::kEnd : logs::FileFollower::Start::kBeginning;
    tails_.emplace(std::string(name),
                   std::make_unique<Tail>(std::move(*file), dir_ + "/" + std::string(name), start));
  }
  ::closedir(d);
}

void LogHub::PollLocked(Tail& tail) {
  std::vector<logs::FileRecord> records = tail.follower.Poll();
  if (records.empty()) return;
  std::vector<logs::LinePtr> lines;
  lines.reserve(records.size());
  for (logs::FileRecord& record : records) {
    lines.push_back(logs::Share(ToLogLine(app_, tail.file, std::move(record))));
  }
  std::vector<logs::LinePtr> matching;
  for (auto& [id, f] : followers_) {
    matching.clear();
    for (const logs::LinePtr& line : lines) {
      if (f.query.Matches(line->line)) matching.push_back(line);
    }
    if (!matching.empty()) f.feed->PushMany(matching);
  }
}

void LogHub::ReadEvents(std::vector<std::string>* names, bool* rescan) {
  alignas(inotify_event) char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (ssize_t at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      if (ev->mask & (IN_Q_OVERFLOW | IN_CREATE | IN_MOVED_TO)) *rescan = true;
      if (ev->mask & (IN_DELETE_SELF | IN_IGNORED)) {  // the directory went away
        watch_ = -1;
        *rescan = true;
      }
      if ((ev->mask & IN_MODIFY) && ev->len > 0) {
        std::string name(ev->name);
        if (std::find(names->begin(), names->end(), name) == names->end()) {
          names->push_back(std::move(name));
        }
      }
    }
  }
}

void LogHub::Run() {
  Clock::time_point next_scan = Clock::now() + rescan_;
  const auto fallback = std::max(std::chrono::milliseconds(1), rescan_ / 20);
  std::vector<std::string> names;
  for (;;) {
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    bool watching;
    {
      std::lock_guard lock(mu_);
      watching = watch_ >= 0;
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_scan - Clock::now());
    if (inotify_fd_ < 0) wait = std::min(wait, fallback);  // no inotify at all: poll
    int timeout = static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000));
    if (::poll(fds, inotify_fd_ >= 0 ? 2 : 1, timeout) > 0) {
      // Let a burst of writes land before reading: fewer, larger rounds for every follower.
      std::this_thread::sleep_for(kCoalesce);
    }
    names.clear();
    bool rescan = false;
    std::lock_guard lock(mu_);
    if (stop_) return;
    if (inotify_fd_ >= 0) ReadEvents(&names, &rescan);
    bool full = rescan || !watching || Clock::now() >= next_scan;
    if (Clock::now() >= next_scan) {
      next_scan = Clock::now() + rescan_;
      rescan = true;
    }
    if (rescan) ScanLocked();
    if (full) {
      for (auto& [name, tail] : tails_) PollLocked(*tail);
      continue;
    }
    for (const std::string& name : names) {
      // "web-v3-0.log.1" after a rotation: the follower of "web-v3-0.log" finishes it.
      std::string_view base = name;
      if (size_t dot = base.rfind(".log."); dot != std::string_view::npos) {
        base = base.substr(0, dot + 4);
      }
      if (auto it = tails_.find(base); it != tails_.end()) PollLocked(*it->second);
    }
  }
}

}  // namespace aether::local
