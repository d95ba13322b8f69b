// Informer: keeps a local copy of one collection of Kubernetes objects (a namespace's pods
// matching a selector, one Deployment by name…) current through list + watch: it resumes a
// dropped watch from the last resourceVersion it saw (bookmarks included), lists again on 410
// Gone, and backs off while the API server is unreachable. A single-object informer does the
// same with get + watch (no list permission needed). `on_change` runs on the informer's thread
// after every change. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "aether/kube/client.h"

namespace aether::kube {

// Names one object to follow: its path ("/api/v1/namespaces/ns/pods/web-1").
struct ObjectPath {
  std::string path;
};

struct InformerStats {
  int lists = 0;    // full lists or gets (the first one, then one per 410 Gone or error)
  int watches = 0;  // watch requests started
  int gone = 0;     // 410 Gone answers
  int resumes = 0;  // watches resumed after the connection dropped early
};

class Informer {
 public:
  // `collection` is the list path ("/api/v1/namespaces/ns/pods"); `selectors` the query that
  // narrows it ("labelSelector=a%3Db"), or "".
  Informer(Client& client, std::string collection, std::string selectors,
           std::function<void()> on_change = {});
  // Follows one object through GET on its path, then a watch on its collection narrowed by
  // fieldSelector=metadata.name. Items() holds it, or nothing while it does not exist.
  Informer(Client& client, ObjectPath object, std::function<void()> on_change = {});
  ~Informer();

  void Start();
  void Stop();  // idempotent; returns once the thread has ended

  // Waits until the first list has arrived (or `timeout`); false on timeout.
  bool WaitSynced(std::chrono::milliseconds timeout);
  std::vector<Json> Items() const;
  InformerStats Stats() const;
  // The last list or watch error, "" after a success.
  std::string LastError() const;

 private:
  void Loop();
  Status List();
  void Apply(const Json& event);

  Client& client_;
  const std::string object_;  // "" for a collection informer
  const std::string collection_;
  const std::string selectors_;
  const std::function<void()> on_change_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool synced_ = false;
  std::string resource_version_;
  std::map<std::string, Json> items_;  // by namespace/name
  InformerStats stats_;
  std::string last_error_;
};

}  // namespace aether::kube
