// EventLog, Combined, MemoryLogSource and the history selection shared by every source.
#include "aether/logs/log_source.h"

#include <algorithm>
#include <utility>

namespace aether::logs {

std::vector<LinePtr> SelectHistory(std::vector<LinePtr> lines, const LogQuery& q) {
  std::erase_if(lines, [&](const LinePtr& l) { return !q.Matches(l->line); });
  if (q.tail_lines < 0) return lines;
  // Keep the last tail_lines of each instance/container, walking backwards.
  std::map<std::pair<std::string_view, std::string_view>, int> seen;
  std::vector<bool> keep(lines.size());
  for (size_t i = lines.size(); i-- > 0;) {
    int& n = seen[{lines[i]->line.instance, lines[i]->line.container}];
    keep[i] = n < q.tail_lines;
    ++n;
  }
  std::vector<LinePtr> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (keep[i]) out.push_back(std::move(lines[i]));
  }
  return out;
}

class EventLog::Detach final : public Attachment {
 public:
  Detach(EventLog& log, std::string app, int id) : log_(log), app_(std::move(app)), id_(id) {}
  ~Detach() override {
    std::lock_guard lock(log_.mu_);
    auto it = log_.apps_.find(app_);
    if (it != log_.apps_.end()) it->second.followers.erase(id_);
  }

 private:
  EventLog& log_;
  std::string app_;
  int id_;
};

void EventLog::Record(std::string_view app, std::string_view release, std::string_view instance,
                      std::string message) {
  LogLine line{NowNs(),
               std::string(app),
               std::string(release),
               std::string(instance),
               std::string(kPlatformContainer),
               std::string(kEventStream),
               std::move(message)};
  Append(std::move(line));
}

void EventLog::Append(LogLine line) {
  LinePtr shared = Share(std::move(line));
  std::lock_guard lock(mu_);
  auto it = apps_.find(shared->line.app);
  if (it == apps_.end()) it = apps_.emplace(shared->line.app, AppLog{}).first;
  AppLog& log = it->second;
  log.ring.push_back(shared);
  if (log.ring.size() > keep_) {
    log.ring.erase(log.ring.begin(), log.ring.begin() + static_cast<std::ptrdiff_t>(keep_ / 4 + 1));
  }
  for (auto f = log.followers.begin(); f != log.followers.end();) {
    if (f->second.query.Matches(shared->line) && !f->second.feed->Push(shared)) {
      f = log.followers.erase(f);
    } else {
      ++f;
    }
  }
}

void EventLog::CloseFollowers() {
  std::lock_guard lock(mu_);
  for (auto& [app, log] : apps_) {
    for (auto& [id, follower] : log.followers) follower.feed->Close();
    log.followers.clear();
  }
}

Result<std::unique_ptr<Attachment>> EventLog::Attach(std::string_view app, const LogQuery& q,
                                                     std::shared_ptr<Feed> feed) {
  std::lock_guard lock(mu_);
  auto it = apps_.find(app);
  std::vector<LinePtr> history;
  if (it != apps_.end()) history = SelectHistory(it->second.ring, q);
  feed->PushHistory(std::move(history));
  feed->EndHistory();
  if (!q.follow) {
    feed->Finish();
    return std::unique_ptr<Attachment>(std::make_unique<Attachment>());
  }
  if (it == apps_.end()) it = apps_.emplace(std::string(app), AppLog{}).first;
  int id = next_id_++;
  it->second.followers.emplace(id, Follower{q, std::move(feed)});
  return std::unique_ptr<Attachment>(std::make_unique<Detach>(*this, std::string(app), id));
}

namespace {
class Attachments final : public Attachment {
 public:
  std::vector<std::unique_ptr<Attachment>> parts;
};
}  // namespace

Result<std::unique_ptr<Attachment>> Combined::Attach(std::string_view app, const LogQuery& q,
                                                     std::shared_ptr<Feed> feed) {
  auto all = std::make_unique<Attachments>();
  for (LogSource* source : sources_) {
    AETHER_ASSIGN_OR_RETURN(auto part, source->Attach(app, q, feed));
    all->parts.push_back(std::move(part));
  }
  return std::unique_ptr<Attachment>(std::move(all));
}

int Combined::Parts() const {
  int n = 0;
  for (const LogSource* source : sources_) n += source->Parts();
  return n;
}

void MemoryLogSource::Append(LogLine line) { log_.Append(std::move(line)); }

Result<std::unique_ptr<Attachment>> MemoryLogSource::Attach(std::string_view app, const LogQuery& q,
                                                            std::shared_ptr<Feed> feed) {
  return log_.Attach(app, q, std::move(feed));
}

}  // namespace aether::logs
