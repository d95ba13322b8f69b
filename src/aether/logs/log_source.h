// LogSource: where an app's logs come from. Implementations: runtime/local (per-instance files
// written by the agent), runtime/kubernetes (pods/log streams), EventLog (platform events,
// below), Combined (several at once), and MemoryLogSource (the fake for tests). Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"
#include "aether/logs/feed.h"
#include "aether/logs/log_line.h"
#include "aether/logs/log_query.h"

namespace aether::logs {

// Keeps a source attached to a feed; destroying it detaches (stops the source's work for this
// reader). Destruction may block briefly while the source's threads let go of the feed.
class Attachment {
 public:
  virtual ~Attachment() = default;
};

class LogSource {
 public:
  virtual ~LogSource() = default;
  // Attaches `feed` to `app`'s logs as one of its sources: pushes the history that `q` selects
  // (since, tail per instance/container, container, release) and calls EndHistory; then, with
  // q.follow, live lines (including from instances that start later) until detached or shut
  // down, else Finish. Errors (kUnavailable from a backend) come back before anything is
  // pushed; the feed is then untouched.
  virtual Result<std::unique_ptr<Attachment>> Attach(std::string_view app, const LogQuery& q,
                                                     std::shared_ptr<Feed> feed) = 0;
  // How many times Attach calls EndHistory (and Finish) on a feed: its Feed's `sources`.
  virtual int Parts() const { return 1; }
};

// Platform events recorded in-process (fetch, verify, unpack, start, ready, …), kept per app in
// a bounded ring (`keep` lines) and fanned out to followers. Lines carry container "aether" and
// stream "event".
class EventLog final : public LogSource {
 public:
  explicit EventLog(size_t keep = 2000) : keep_(keep) {}
  void Record(std::string_view app, std::string_view release, std::string_view instance,
              std::string message);
  // Any line (kept and fanned out as is).
  void Append(LogLine line);
  // Closes every following feed (its reader's stream ends): for shutdown. Every follow stream
  // the API opens includes this log.
  void CloseFollowers();
  Result<std::unique_ptr<Attachment>> Attach(std::string_view app, const LogQuery& q,
                                             std::shared_ptr<Feed> feed) override;

 private:
  struct Follower {
    LogQuery query;
    std::shared_ptr<Feed> feed;
  };
  struct AppLog {
    std::vector<LinePtr> ring;  // oldest first, at most keep_
    std::map<int, Follower> followers;
  };
  class Detach;
  const size_t keep_;
  std::mutex mu_;
  std::map<std::string, AppLog, std::less<>> apps_;
  int next_id_ = 0;
};

// Several sources read as one: Attach attaches each (the feed counts them all: Parts()). Fails,
// detaching what it attached, when any source fails; the feed may then hold some history and is to
// be dropped.
class Combined final : public LogSource {
 public:
  explicit Combined(std::vector<LogSource*> sources) : sources_(std::move(sources)) {}
  int Parts() const override;
  Result<std::unique_ptr<Attachment>> Attach(std::string_view app, const LogQuery& q,
                                             std::shared_ptr<Feed> feed) override;

 private:
  std::vector<LogSource*> sources_;
};

// Fake: lines appended by tests, served as EventLog serves its events.
class MemoryLogSource final : public LogSource {
 public:
  void Append(LogLine line);
  Result<std::unique_ptr<Attachment>> Attach(std::string_view app, const LogQuery& q,
                                             std::shared_ptr<Feed> feed) override;

 private:
  EventLog log_{100000};
};

// Applies tail (per instance/container) and the query's filters to a time-ordered history.
std::vector<LinePtr> SelectHistory(std::vector<LinePtr> lines, const LogQuery& q);

}  // namespace aether::logs
