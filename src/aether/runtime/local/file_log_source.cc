// The local runtime's log source (file_log_source.h): history straight from the files, follow
// through one LogHub per followed app.
#include "aether/runtime/local/file_log_source.h"

#include <dirent.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "aether/logs/file_tail.h"
#include "aether/runtime/local/log_hub.h"

namespace aether::local {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         s.find_first_not_of("0123456789") == std::string_view::npos;
}

bool PlainName(std::string_view app) {
  return !app.empty() && app != "." && app != ".." && app.find('/') == std::string_view::npos &&
         app.find('\0') == std::string_view::npos;
}

// A file's records (oldest first) as the lines the query matches (ReadFor already stopped at the
// tail or `since`; SelectHistory then applies the tail exactly, across files).
void AppendHistory(std::string_view app, const InstanceFile& file,
                   std::vector<logs::FileRecord> records, const logs::LogQuery& q,
                   std::vector<logs::LinePtr>* out) {
  for (auto& r : records) {
    logs::LogLine line = ToLogLine(app, file, std::move(r));
    if (q.Matches(line)) out->push_back(logs::Share(std::move(line)));
  }
}

// The records of one instance's files that `q` can need: none for tail_lines=0, and for a tail or
// a `since` only the end of the files, read backwards until there are tail_lines lines of the
// container asked for (the app's output when none is: the agent's events are the ones among
// those lines) or a line older than `since`.
std::vector<logs::FileRecord> ReadFor(const std::string& path,
                                      std::optional<logs::TailPosition> until,
                                      const logs::LogQuery& q) {
  if (q.tail_lines == 0) return {};
  if (q.tail_lines < 0 && !q.since_ns) return logs::ReadLogHistory(path, until);
  const std::string_view counted =
      q.container.empty() ? std::string_view("app") : std::string_view(q.container);
  int kept = 0;
  return logs::ReadLogHistoryBackward(path, until, [&](const logs::FileRecord& r) {
    if (q.since_ns && r.time_ns < *q.since_ns) return true;
    const bool event = r.stream == logs::kEventStream;
    if ((event ? logs::kPlatformContainer : "app") == counted) ++kept;
    return q.tail_lines > 0 && kept >= q.tail_lines;
  });
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Applies the query to the merged history of several files and hands it to the feed.
void PushHistory(std::vector<logs::LinePtr> lines, const logs::LogQuery& q, logs::Feed& feed) {
  std::stable_sort(lines.begin(), lines.end(), [](const logs::LinePtr& a, const logs::LinePtr& b) {
    return a->line.time_ns < b->line.time_ns;
  });
  feed.PushHistory(logs::SelectHistory(std::move(lines), q));
  feed.EndHistory();
}

}  // namespace

std::string InstanceName(std::string_view app, long long version, int index) {
  return std::string(app) + "-v" + std::to_string(version) + "-" + std::to_string(index);
}

std::optional<InstanceFile> ParseInstanceFile(std::string_view app, std::string_view file_name) {
  std::string_view name = file_name;
  if (!name.ends_with(".log")) return std::nullopt;
  name.remove_suffix(4);
  if (name.size() <= app.size() + 1 || !name.starts_with(app) || name[app.size()] != '-') {
    return std::nullopt;
  }
  std::string_view rest = name.substr(app.size() + 1);  // "v3-0"
  size_t dash = rest.find('-');
  if (!rest.starts_with('v') || dash == std::string_view::npos) return std::nullopt;
  std::string_view version = rest.substr(1, dash - 1);
  if (!AllDigits(version) || !AllDigits(rest.substr(dash + 1))) return std::nullopt;
  return InstanceFile{std::string(name), "v" + std::string(version)};
}

struct FileLogSource::Shared {
  std::string logs_dir;
  std::chrono::milliseconds rescan;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<LogHub>, std::less<>> hubs;  // followed apps
};

namespace {

// A follower of one app's hub; the last one to go stops the hub.
class HubAttachment final : public logs::Attachment {
 public:
  HubAttachment(std::shared_ptr<FileLogSource::Shared> shared, std::string app,
                std::shared_ptr<LogHub> hub, int id)
      : shared_(std::move(shared)), app_(std::move(app)), hub_(std::move(hub)), id_(id) {}
  ~HubAttachment() override {
    bool stop = false;
    {
      std::lock_guard lock(shared_->mu);
      if (hub_->Remove(id_)) {
        auto it = shared_->hubs.find(app_);
        stop = it != shared_->hubs.end() && it->second == hub_;
        if (stop) shared_->hubs.erase(it);
      }
    }
    if (stop) hub_->Stop();  // joins: at most one poll round
  }

 private:
  std::shared_ptr<FileLogSource::Shared> shared_;
  std::string app_;
  std::shared_ptr<LogHub> hub_;
  int id_;
};

}  // namespace

FileLogSource::FileLogSource(std::string logs_dir, std::chrono::milliseconds rescan)
    : shared_(std::make_shared<Shared>()) {
  shared_->logs_dir = std::move(logs_dir);
  shared_->rescan = rescan;
}

FileLogSource::~FileLogSource() {
  std::map<std::string, std::shared_ptr<LogHub>, std::less<>> hubs;
  {
    std::lock_guard lock(shared_->mu);
    hubs.swap(shared_->hubs);
  }
  for (auto& [app, hub] : hubs) hub->Stop();
}

Result<std::unique_ptr<logs::Attachment>> FileLogSource::Attach(std::string_view app_name,
                                                                const logs::LogQuery& q,
                                                                std::shared_ptr<logs::Feed> feed) {
  if (!PlainName(app_name)) return InvalidArgument("bad app name '" + std::string(app_name) + "'");
  std::string app(app_name);
  std::string dir = shared_->logs_dir + "/" + app;
  std::vector<logs::LinePtr> history;
  if (!q.follow) {
    for (const std::string& name : ListDir(dir)) {
      std::optional<InstanceFile> file = ParseInstanceFile(app, name);
      if (!file || (!q.release.empty() && file->release != q.release)) continue;
      AppendHistory(app, *file, ReadFor(dir + "/" + name, std::nullopt, q), q, &history);
    }
    PushHistory(std::move(history), q, *feed);
    feed->Finish();
    return std::unique_ptr<logs::Attachment>(std::make_unique<logs::Attachment>());
  }

  std::shared_ptr<LogHub> hub;
  std::vector<LogHub::FileStart> starts;
  int id;
  {
    std::lock_guard lock(shared_->mu);
    auto it = shared_->hubs.find(app);
    bool created = it == shared_->hubs.end();
    if (created) {
      it = shared_->hubs.emplace(app, std::make_shared<LogHub>(app, dir, shared_->rescan)).first;
    }
    hub = it->second;
    id = hub->Add(q, feed, &starts);
    if (created) hub->Start();
  }
  for (const LogHub::FileStart& start : starts) {
    if (!q.release.empty() && start.file.release != q.release) continue;
    AppendHistory(app, start.file, ReadFor(start.path, start.position, q), q, &history);
  }
  PushHistory(std::move(history), q, *feed);
  return std::unique_ptr<logs::Attachment>(
      std::make_unique<HubAttachment>(shared_, std::move(app), std::move(hub), id));
}

}  // namespace aether::local
