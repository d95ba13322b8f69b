// LogHub: follows one app's log directory for every reader of it at once. One thread tails each
// instance file (logs::FileFollower), woken by inotify on the directory and rescanning it
// periodically for new instances, and hands each new line, encoded once (logs::Share), to every
// attached feed whose query matches. Add reports where each file's unread records begin, under
// the same lock the thread reads with, so a reader's history read up to there meets its live
// lines without gap or repeat. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aether/logs/feed.h"
#include "aether/logs/file_tail.h"
#include "aether/logs/log_query.h"
#include "aether/runtime/local/file_log_source.h"

namespace aether::local {

// A record of `file` as the API shows it (container "aether" for the agent's events).
logs::LogLine ToLogLine(std::string_view app, const InstanceFile& file, logs::FileRecord record);

class LogHub {
 public:
  LogHub(std::string app, std::string dir, std::chrono::milliseconds rescan);
  ~LogHub();  // Stop
  LogHub(const LogHub&) = delete;
  LogHub& operator=(const LogHub&) = delete;

  struct FileStart {
    std::string path;
    InstanceFile file;
    logs::TailPosition position;  // history of `path` ends here; live lines begin here
  };
  // Attaches `feed`; *starts gets every file followed now. Returns the follower's id.
  int Add(logs::LogQuery query, std::shared_ptr<logs::Feed> feed, std::vector<FileStart>* starts);
  // Detaches a follower; true when none is left.
  bool Remove(int id);
  // Starts the thread (once); Stop ends and joins it (idempotent; one caller).
  void Start();
  void Stop();

 private:
  struct Tail {
    Tail(InstanceFile f, std::string path, logs::FileFollower::Start start)
        : file(std::move(f)), follower(std::move(path), start) {}
    InstanceFile file;
    logs::FileFollower follower;
  };
  struct Follower {
    logs::LogQuery query;
    std::shared_ptr<logs::Feed> feed;
  };

  void Run();
  void ScanLocked();
  void PollLocked(Tail& tail);
  void WatchLocked();
  // Reads inotify events: names of files written, and whether to rescan.
  void ReadEvents(std::vector<std::string>* names, bool* rescan);

  const std::string app_;
  const std::string dir_;
  const std::chrono::milliseconds rescan_;
  std::mutex mu_;
  bool scanned_ = false;  // files found by the first scan are followed from their end
  bool stop_ = false;
  std::map<std::string, std::unique_ptr<Tail>, std::less<>> tails_;  // by file name
  std::map<int, Follower> followers_;
  int next_id_ = 0;
  int inotify_fd_ = -1;
  int watch_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop
  std::thread thread_;
};

}  // namespace aether::local
