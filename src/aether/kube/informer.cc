// List + watch loop with resume, relist on 410 Gone and backoff.
#include "aether/kube/informer.h"

#include "aether/core/log.h"
#include "aether/http/types.h"

namespace aether::kube {
namespace {

constexpr int kWatchSeconds = 240;

std::string Key(const Json& obj) {
  const Json& m = obj.contains("metadata") ? obj["metadata"] : obj;
  return m.value("namespace", "") + "/" + m.value("name", "");
}

std::string ResourceVersion(const Json& obj) {
  return obj.contains("metadata") ? obj["metadata"].value("resourceVersion", "") : "";
}

std::string Join(const std::string& path, const std::string& query) {
  return query.empty() ? path : path + "?" + query;
}

// "/api/v1/namespaces/ns/pods/web-1" → "/api/v1/namespaces/ns/pods".
std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(0, slash);
}

std::string NameSelector(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return "fieldSelector=" + http::PercentEncode("metadata.name=" + name);
}

}  // namespace

Informer::Informer(Client& client, std::string collection, std::string selectors,
                   std::function<void()> on_change)
    : client_(client),
      collection_(std::move(collection)),
      selectors_(std::move(selectors)),
      on_change_(std::move(on_change)) {}

Informer::Informer(Client& client, ObjectPath object, std::function<void()> on_change)
    : client_(client),
      object_(std::move(object.path)),
      collection_(Parent(object_)),  // declared after object_
      selectors_(NameSelector(object_)),
      on_change_(std::move(on_change)) {}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void Informer::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Informer::WaitSynced(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return synced_ || stop_.load(); }) && synced_;
}

std::vector<Json> Informer::Items() const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
  return out;
}

InformerStats Informer::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::string Informer::LastError() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

Status Informer::List() {
  std::map<std::string, Json> items;
  std::string rv;  // "" for a missing object: the watch starts from now
  if (!object_.empty()) {
    auto got = client_.Get(object_);
    if (!got.ok() && got.status().code() != ErrorCode::kNotFound) return got.status();
    if (got.ok()) {
      items[Key(*got)] = *got;
      rv = ResourceVersion(*got);
    }
  } else {
    auto list = client_.Get(Join(collection_, selectors_));
    if (!list.ok()) return list.status();
    for (const Json& item : (*list)["items"]) items[Key(item)] = item;
    rv = ResourceVersion(*list);
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.lists;
    items_ = std::move(items);
    resource_version_ = rv;
    synced_ = true;
    last_error_.clear();
  }
  cv_.notify_all();
  if (on_change_) on_change_();
  return Status::Ok();
}

void Informer::Apply(const Json& event) {
  const std::string type = event.value("type", "");
  if (!event.contains("object") || !event["object"].is_object()) return;
  const Json& obj = event["object"];
  {
    std::lock_guard lock(mu_);
    if (std::string rv = ResourceVersion(obj); !rv.empty()) resource_version_ = rv;
    if (type == "BOOKMARK") return;
    if (type == "DELETED") {
      items_.erase(Key(obj));
    } else {
      items_[Key(obj)] = obj;
    }
  }
  if (on_change_) on_change_();
}

void Informer::Loop() {
  auto backoff = std::chrono::milliseconds(100);
  bool need_list = true;
  // A single object's own resourceVersion may be older than the server's watch window: after a
  // 410 Gone for it, watch from now instead (the server starts with a synthetic ADDED).
  bool from_now = false;
  auto pause = [&] {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff, [&] { return stop_.load(); });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  };
  auto fail = [&](const std::string& what, const Status& s) {
    {
      std::lock_guard lock(mu_);
      last_error_ = s.message();
    }
    LogLine("kube: " + what + " " + collection_ + ": " + s.message() + "; retrying");
    pause();
  };
  while (!stop_) {
    if (need_list) {
      Status s = List();
      if (!s.ok()) {
        fail("list", s);
        continue;
      }
      need_list = false;
    }
    std::string rv;
    {
      std::lock_guard lock(mu_);
      rv = from_now ? "" : resource_version_;
      ++stats_.watches;
    }
    from_now = false;
    std::string query = "watch=1&allowWatchBookmarks=true";
    if (object_.empty() || !rv.empty()) query += "&resourceVersion=" + rv;
    if (!selectors_.empty()) query += "&" + selectors_;
    int events = 0;
    auto started = std::chrono::steady_clock::now();
    auto end = client_.Watch(
        collection_ + "?" + query,
        [&](const Json& event) {
          ++events;
          Apply(event);
          return !stop_;
        },
        &stop_, kWatchSeconds);
    if (stop_) break;
    if (!end.ok()) {
      fail("watch", end.status());
      continue;
    }
    if (*end == WatchEnd::kGone) {
      {
        std::lock_guard lock(mu_);
        ++stats_.gone;
      }
      LogLine("kube: watch " + collection_ + ": resourceVersion " + rv +
              " is too old (410 Gone); listing again");
      need_list = true;
      from_now = !object_.empty();
      continue;
    }
    // Closed: resume from the last resourceVersion. A watch that ends at once without events
    // means the server is unreachable: back off before the next try.
    const auto lasted = std::chrono::steady_clock::now() - started;
    if (events == 0 && lasted < std::chrono::seconds(1)) {
      pause();
    } else {
      backoff = std::chrono::milliseconds(100);
    }
    if (lasted < std::chrono::seconds(kWatchSeconds - 5)) {
      std::lock_guard lock(mu_);
      ++stats_.resumes;
      LogLine("kube: watch " + collection_ + " dropped; resuming from resourceVersion " +
              resource_version_);
    }
  }
}

}  // namespace aether::kube
