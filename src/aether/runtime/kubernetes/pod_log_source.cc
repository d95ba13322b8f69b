// PodLogSource: history reads, and per follower a pod informer plus one thread per pod and
// container that keeps its pods/log stream open.
#include "aether/runtime/kubernetes/pod_log_source.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "aether/http/types.h"
#include "aether/kube/informer.h"
#include "aether/runtime/kubernetes/manifests.h"
#include "aether/runtime/kubernetes/pod_log.h"

namespace aether::kubert {
namespace {

using kube::Json;
using std::chrono::milliseconds;

constexpr const char* kContainers[] = {"fetch", "app"};  // as the Deployment names them
// A followed stream is reopened (from its cursor) at least this often, so a connection that
// died without a word cannot hang it forever.
constexpr auto kFollowTimeout = std::chrono::minutes(10);
constexpr auto kReadTimeout = std::chrono::seconds(60);
constexpr auto kSyncTimeout = std::chrono::seconds(10);
constexpr milliseconds kMinBackoff{100};
constexpr milliseconds kMaxBackoff{2000};

bool WantsContainer(const logs::LogQuery& q, std::string_view c) {
  return q.container.empty() || q.container == c;
}
bool WantsEvents(const logs::LogQuery& q) {
  return q.container.empty() || q.container == logs::kPlatformContainer;
}

const Json& Field(const Json& obj, const char* key) {
  static const Json kNone = Json::object();
  if (!obj.is_object()) return kNone;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : kNone;
}
std::string PodName(const Json& pod) { return Field(pod, "metadata").value("name", ""); }
std::string PodRelease(const Json& pod) {
  return Field(Field(pod, "metadata"), "labels").value(kReleaseLabel, "");
}

// The status of container `name` (init or regular) in `pod`, or null.
const Json* ContainerStatus(const Json& pod, std::string_view name) {
  const Json& status = Field(pod, "status");
  for (const char* key : {"initContainerStatuses", "containerStatuses"}) {
    auto list = status.find(key);
    if (list == status.end() || !list->is_array()) continue;
    for (const Json& cs : *list) {
      if (cs.value("name", "") == name) return &cs;
    }
  }
  return nullptr;
}

bool HasState(const Json* cs, const char* field, const char* state) {
  if (cs == nullptr) return false;
  auto f = cs->find(field);
  return f != cs->end() && f->is_object() && f->contains(state);
}
bool Running(const Json* cs) { return HasState(cs, "state", "running"); }
// Whether the container has a log: it runs, ran, or an earlier instance of it ended.
bool Started(const Json* cs) {
  return Running(cs) || HasState(cs, "state", "terminated") ||
         HasState(cs, "lastState", "terminated");
}
std::string ContainerId(const Json* cs) {
  return cs == nullptr ? "" : cs->value("containerID", "");
}

std::string Selector(const std::string& app, const logs::LogQuery& q) {
  std::string s = "labelSelector=" + AppSelector(app);
  if (!q.release.empty())
    s += http::PercentEncode("," + std::string(kReleaseLabel) + "=" + q.release);
  return s;
}

logs::LogLine MakeLine(const std::string& app, const std::string& release, const std::string& pod,
                       std::string_view container, int64_t time_ns, std::string_view message) {
  logs::LogLine l;
  l.time_ns = time_ns;
  l.app = app;
  l.release = release;
  l.instance = pod;
  l.container = container;
  l.stream = "stdout";  // pods/log mixes stdout and stderr without saying which
  l.message = message;
  return l;
}

logs::LogLine EventLine(const std::string& app, const Json& pod, int64_t time_ns,
                        const std::string& message) {
  logs::LogLine l =
      MakeLine(app, PodRelease(pod), PodName(pod), logs::kPlatformContainer, time_ns, message);
  l.stream = logs::kEventStream;
  return l;
}

// Hands each complete line of the data appended to `pending` to `on_line` (which returns false
// to stop); keeps the unfinished rest in `pending`.
template <typename F>
bool EachLine(std::string* pending, std::string_view data, F&& on_line) {
  pending->append(data);
  size_t start = 0;
  bool go_on = true;
  for (size_t nl; go_on && (nl = pending->find('\n', start)) != std::string::npos; start = nl + 1) {
    go_on = on_line(std::string_view(pending->data() + start, nl - start));
  }
  pending->erase(0, start);
  return go_on;
}

// 400 (the container waits to start, or has no previous instance) and 404 (the pod or the
// container is gone): nothing to read, not an error.
bool NothingToRead(const Status& s) {
  return s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kNotFound;
}

}  // namespace

class PodLogSource::Session {
 public:
  Session(kube::Client& client, std::string ns, std::string app, logs::LogQuery q,
          std::shared_ptr<logs::Feed> feed)
      : client_(client),
        ns_(std::move(ns)),
        app_(std::move(app)),
        q_(std::move(q)),
        feed_(std::move(feed)) {}
  ~Session() { Stop(); }

  // Lists the pods, pushes the merged history and either finishes the feed or (follow) starts
  // following. An error comes back before anything is pushed.
  Status Start() {
    const bool follow = q_.follow && !q_.previous;
    std::vector<Json> pods;
    if (follow) {
      informer_ = std::make_unique<kube::Informer>(client_, PodsPath(ns_), Selector(app_, q_),
                                                   [this] { Reconcile(); });
      informer_->Start();
      if (!informer_->WaitSynced(kSyncTimeout)) {
        std::string why = informer_->LastError();
        informer_->Stop();
        return Unavailable("Kubernetes API: listing the pods of " + app_ + ": " +
                           (why.empty() ? "no answer" : why));
      }
      pods = informer_->Items();
    } else {
      auto list = client_.Get(PodsPath(ns_) + "?" + Selector(app_, q_));
      if (!list.ok()) return Unavailable("Kubernetes API: " + list.status().message());
      for (const Json& pod : list->value("items", Json::array())) pods.push_back(pod);
    }
    std::vector<logs::LinePtr> history;
    std::map<std::string, LogCursor> cursors;
    Status read = ReadHistory(pods, &history, &cursors);
    if (!read.ok()) {
      if (informer_) informer_->Stop();
      return read;
    }
    {
      std::lock_guard lock(push_mu_);
      pushed_ = true;
      feed_->PushHistory(std::move(history));
      feed_->EndHistory();
    }
    if (!follow) {
      Finish();
      return Status::Ok();
    }
    std::vector<Stream*> started;
    {
      std::lock_guard lock(mu_);
      for (const Json& pod : pods) {
        pods_[PodName(pod)] = pod;
        for (const char* c : kContainers) {
          const std::string key = PodName(pod) + "/" + c;
          if (const Json* cs = ContainerStatus(pod, c)) {
            restarts_[key] = cs->value("restartCount", 0);
          }
          if (auto it = cursors.find(key); it != cursors.end()) {
            started.push_back(AddStream(PodName(pod), c, it->second));
          }
        }
      }
      // Threads start under mu_: a stream's `thread` is set before anyone can see it done.
      for (Stream* s : started) s->thread = std::thread([this, s] { Follow(s); });
      following_ = true;
    }
    Reconcile();
    return Status::Ok();
  }

  // Stops pushing and finishes the feed (when history went out); threads end within about a
  // second. Does not wait for them.
  void Cancel() {
    cancel_ = true;
    cv_.notify_all();
    Finish();
  }

  // Cancel, then waits for every thread.
  void Stop() {
    Cancel();
    if (informer_) informer_->Stop();
    std::map<std::string, std::unique_ptr<Stream>> streams;
    {
      std::lock_guard lock(mu_);
      streams.swap(streams_);
    }
    for (auto& [key, s] : streams) {
      if (s->thread.joinable()) s->thread.join();
    }
  }

 private:
  struct Stream {
    std::string pod;
    std::string container;
    LogCursor cursor;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  // Reads every wanted stream of `pods` once (no follow), plus restart events; records each
  // stream's cursor.
  Status ReadHistory(const std::vector<Json>& pods, std::vector<logs::LinePtr>* out,
                     std::map<std::string, LogCursor>* cursors) {
    std::vector<logs::LinePtr> lines;
    for (const Json& pod : pods) {
      const std::string name = PodName(pod);
      const std::string release = PodRelease(pod);
      for (const char* c : kContainers) {
        const Json* cs = ContainerStatus(pod, c);
        if (WantsEvents(q_) && !q_.previous && cs != nullptr &&
            HasState(cs, "lastState", "terminated") && cs->value("restartCount", 0) > 0) {
          auto at = logs::ParseTime((*cs)["lastState"]["terminated"].value("finishedAt", ""));
          lines.push_back(logs::Share(EventLine(app_, pod, at.value_or(0), RestartMessage(*cs))));
        }
        if (!WantsContainer(q_, c)) continue;
        if (q_.previous ? !HasState(cs, "lastState", "terminated") : !Started(cs)) continue;
        PodLogRequest r;
        r.ns = ns_;
        r.pod = name;
        r.container = c;
        r.previous = q_.previous;
        r.tail_lines = q_.tail_lines;
        r.since_ns = q_.since_ns;
        LogCursor cursor(logs::NowNs());
        LogCursor seen;
        bool any = false;
        std::string pending;
        auto take = [&](std::string_view text) {
          auto p = ParsePodLogLine(text);
          if (!p) return true;
          seen.Accept(p->time_ns);
          any = true;
          lines.push_back(logs::Share(MakeLine(app_, release, name, c, p->time_ns, p->message)));
          return true;
        };
        auto res = client_.Stream(
            PodLogPath(r), [&](std::string_view data) { return EachLine(&pending, data, take); },
            &cancel_, kReadTimeout);
        if (!res.ok() && !NothingToRead(res.status())) {
          return Unavailable("reading the log of pod " + name + " container " + c + ": " +
                             res.status().message());
        }
        // Without follow an unfinished last line is shown; a follower reads it whole later.
        if (res.ok() && !pending.empty() && !q_.follow) take(pending);
        (*cursors)[name + "/" + c] = any ? seen : cursor;
      }
    }
    std::stable_sort(lines.begin(), lines.end(),
                     [](const logs::LinePtr& a, const logs::LinePtr& b) {
                       return a->line.time_ns < b->line.time_ns;
                     });
    *out = logs::SelectHistory(std::move(lines), q_);
    return Status::Ok();
  }

  Stream* AddStream(const std::string& pod, const std::string& container, LogCursor cursor) {
    auto s = std::make_unique<Stream>();
    s->pod = pod;
    s->container = container;
    s->cursor = cursor;
    Stream* raw = s.get();
    streams_[pod + "/" + container] = std::move(s);
    return raw;
  }

  // The informer saw a change: remember the pods, push restart events, open the streams of
  // containers that started, and wake streams waiting for their pod to change.
  void Reconcile() {
    if (cancel_ || !informer_) return;
    std::vector<Json> items = informer_->Items();
    std::vector<logs::LogLine> events;
    std::vector<std::unique_ptr<Stream>> ended;
    {
      std::lock_guard lock(mu_);
      if (!following_) return;
      pods_.clear();
      for (Json& pod : items) {
        std::string name = PodName(pod);
        pods_[name] = std::move(pod);
      }
      for (const auto& [name, pod] : pods_) {
        for (const char* c : kContainers) {
          const Json* cs = ContainerStatus(pod, c);
          const std::string key = name + "/" + c;
          if (cs != nullptr) {
            const int count = cs->value("restartCount", 0);
            int& seen = restarts_[key];
            if (count > seen && WantsEvents(q_)) {
              events.push_back(EventLine(app_, pod, logs::NowNs(), RestartMessage(*cs)));
            }
            seen = std::max(seen, count);
          }
          if (WantsContainer(q_, c) && Started(cs) && streams_.count(key) == 0) {
            Stream* s = AddStream(name, c, LogCursor());
            s->thread = std::thread([this, s] { Follow(s); });
          }
        }
      }
      // Streams of deleted pods have ended: let their threads go.
      for (auto it = streams_.begin(); it != streams_.end();) {
        if (it->second->done && pods_.count(it->second->pod) == 0) {
          ended.push_back(std::move(it->second));
          it = streams_.erase(it);
        } else {
          ++it;
        }
      }
    }
    cv_.notify_all();
    for (auto& e : events) {
      if (q_.Matches(e)) Push(std::move(e));
    }
    for (auto& s : ended) {
      if (s->thread.joinable()) s->thread.join();
    }
  }

  std::optional<Json> Pod(const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = pods_.find(name);
    if (it == pods_.end()) return std::nullopt;
    return it->second;
  }

  // Waits until `pred` holds (checked under mu_ on every pod change), the session is
  // cancelled, or `timeout` passes.
  template <typename Pred>
  void WaitFor(Pred pred, milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return cancel_.load() || pred(); });
  }

  // One stream's thread: follow, and after it ends, reopen from the cursor when the container
  // runs again (a restart), the connection dropped, or it ended while the container still ran;
  // until the pod is gone.
  void Follow(Stream* s) {
    milliseconds backoff = kMinBackoff;
    while (!cancel_) {
      auto pod = Pod(s->pod);
      if (!pod) break;
      const Json* cs = ContainerStatus(*pod, s->container);
      const bool was_running = Running(cs);
      const std::string opened = ContainerId(cs);
      const std::string release = PodRelease(*pod);
      PodLogRequest r;
      r.ns = ns_;
      r.pod = s->pod;
      r.container = s->container;
      r.follow = true;
      if (s->cursor.time_ns() > 0) {
        r.since_ns = s->cursor.time_ns();
      } else {
        r.since_ns = q_.since_ns;
      }
      s->cursor.Reopen();
      std::string pending;
      bool closed = false;
      bool delivered = false;
      auto take = [&](std::string_view text) {
        auto p = ParsePodLogLine(text);
        if (!p || !s->cursor.Accept(p->time_ns)) return true;
        delivered = true;
        logs::LogLine l = MakeLine(app_, release, s->pod, s->container, p->time_ns, p->message);
        if (!q_.Matches(l)) return true;
        closed = !Push(std::move(l));
        return !closed;
      };
      auto res = client_.Stream(
          PodLogPath(r), [&](std::string_view data) { return EachLine(&pending, data, take); },
          &cancel_, kFollowTimeout);
      if (cancel_ || closed) break;
      if (res.ok() && !pending.empty()) take(pending);  // the container ended mid-line
      if (delivered) backoff = kMinBackoff;
      auto gone_or_new = [&] {
        auto it = pods_.find(s->pod);
        if (it == pods_.end()) return true;
        const Json* now = ContainerStatus(it->second, s->container);
        return Started(now) && ContainerId(now) != opened;
      };
      if (!res.ok() && !NothingToRead(res.status())) {
        // The connection dropped (or timed out): reopen after a pause.
        WaitFor([&] { return pods_.count(s->pod) == 0; }, backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
      } else if (was_running) {
        // It ended while the container ran: the container just stopped (its status follows),
        // or the server closed the stream. Look again soon.
        WaitFor(gone_or_new, backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
      } else {
        // The container is not running: wait for its next instance or the pod's deletion.
        WaitFor(gone_or_new, std::chrono::minutes(1));
      }
    }
    s->done = true;
  }

  bool Push(logs::LogLine line) {
    std::lock_guard lock(push_mu_);
    if (finished_) return false;
    if (feed_->Push(logs::Share(std::move(line)))) return true;
    cancel_ = true;  // the reader is gone
    cv_.notify_all();
    return false;
  }

  void Finish() {
    std::lock_guard lock(push_mu_);
    if (finished_ || !pushed_) return;
    finished_ = true;
    feed_->Finish();
  }

  kube::Client& client_;
  const std::string ns_;
  const std::string app_;
  const logs::LogQuery q_;
  const std::shared_ptr<logs::Feed> feed_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<kube::Informer> informer_;

  std::mutex push_mu_;
  bool pushed_ = false;    // the history went out
  bool finished_ = false;  // Finish was called

  std::mutex mu_;
  std::condition_variable cv_;
  bool following_ = false;
  std::map<std::string, Json> pods_;                        // by name, as last seen
  std::map<std::string, int> restarts_;                     // "pod/container" → restarts seen
  std::map<std::string, std::unique_ptr<Stream>> streams_;  // by "pod/container"
};

namespace {

class Detacher final : public logs::Attachment {
 public:
  Detacher(std::function<void()> forget, std::unique_ptr<PodLogSource::Session> session)
      : forget_(std::move(forget)), session_(std::move(session)) {}
  ~Detacher() override {
    forget_();
    session_->Stop();
  }

 private:
  std::function<void()> forget_;
  std::unique_ptr<PodLogSource::Session> session_;
};

}  // namespace

PodLogSource::PodLogSource(kube::Client& client, std::string ns)
    : client_(client), ns_(std::move(ns)) {}

PodLogSource::~PodLogSource() { Shutdown(); }

Result<std::unique_ptr<logs::Attachment>> PodLogSource::Attach(std::string_view app,
                                                               const logs::LogQuery& q,
                                                               std::shared_ptr<logs::Feed> feed) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("the Kubernetes runtime is stopping");
  }
  auto session = std::make_unique<Session>(client_, ns_, std::string(app), q, std::move(feed));
  AETHER_RETURN_IF_ERROR(session->Start());
  Session* raw = session.get();
  {
    std::lock_guard lock(mu_);
    if (stopping_) raw->Cancel();
    sessions_.insert(raw);
  }
  return std::unique_ptr<logs::Attachment>(
      std::make_unique<Detacher>([this, raw] { Forget(raw); }, std::move(session)));
}

void PodLogSource::Shutdown() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  for (Session* s : sessions_) s->Cancel();
}

void PodLogSource::Forget(Session* s) {
  std::lock_guard lock(mu_);
  sessions_.erase(s);
}

}  // namespace aether::kubert
