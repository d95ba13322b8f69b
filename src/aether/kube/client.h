// A small Kubernetes REST client over libcurl: JSON get/list, server-side apply (field manager
// "aether"), merge patch, delete, and watch streams (newline-delimited events). API errors
// become Status values carrying the server's own message: 404 kNotFound, 409 kConflict, 422 and
// 400 kInvalidArgument, 401 kUnauthenticated, 403 kPermissionDenied, 5xx and transport errors
// kUnavailable. Raw streams (pods/{name}/log) hand over plain text as it arrives. Thread-safe: each
// call borrows an HTTP connection from a small pool.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"
#include "aether/kube/config.h"

namespace aether::http {
class ClientPool;
}

namespace aether::kube {

using Json = nlohmann::json;

// How a watch ended.
enum class WatchEnd {
  kClosed,   // the server ended it (timeoutSeconds) or the connection dropped: resume from the
             // last resourceVersion
  kGone,     // 410 Gone: the resourceVersion is too old; list again
  kStopped,  // on_event returned false
};

struct ApplyOptions {
  bool dry_run = false;  // dryRun=All: validated and defaulted by the server, not stored
  bool force = true;     // take over fields another manager owns
};

class Client {
 public:
  explicit Client(Config config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Config& config() const { return config_; }

  // `path` is an API path with its query: "/api/v1/namespaces/x/pods?labelSelector=…".
  Result<Json> Get(const std::string& path);
  // Server-side apply of `object` at its own path (`path` names the object).
  Result<Json> Apply(const std::string& path, const Json& object, const ApplyOptions& o = {});
  // JSON merge patch (RFC 7386).
  Result<Json> MergePatch(const std::string& path, const Json& patch);
  // Background propagation: dependents (ReplicaSets, pods) are garbage-collected. Ok when the
  // object is already gone.
  Status Delete(const std::string& path);
  // Streams the watch at `path` (which must carry watch=1 and its selectors): calls `on_event`
  // with each event's {type, object}. ERROR events with code 410 end with kGone; other ERROR
  // events are errors. `cancel` stops it within about a second (kUnavailable "cancelled").
  Result<WatchEnd> Watch(const std::string& path, const std::function<bool(const Json&)>& on_event,
                         const std::atomic<bool>* cancel, int timeout_seconds);
  // GETs the plain-text body at `path` (a pod's log: "/api/v1/namespaces/ns/pods/p/log?…"),
  // handing each piece to `on_chunk` as it arrives; returning false ends the transfer. Returns
  // the HTTP status once the body has ended (the server closed it: a followed container ended)
  // or on_chunk stopped it. Errors map like Get's (404 kNotFound: the pod or container is gone;
  // 400 kInvalidArgument: "container … is waiting to start", "previous terminated container …
  // not found"); a dropped connection is kUnavailable, the whole transfer taking longer than
  // `timeout` kTimeout, and `cancel` ends it within about a second (kUnavailable "cancelled").
  Result<int> Stream(const std::string& path, const std::function<bool(std::string_view)>& on_chunk,
                     const std::atomic<bool>* cancel, std::chrono::milliseconds timeout);

 private:
  Result<Json> Call(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& content_type);

  const Config config_;
  std::unique_ptr<http::ClientPool> pool_;
};

// The Status a Kubernetes error answer maps to, with the server's message.
Status ErrorFromResponse(int http_status, const std::string& body, const std::string& what);

}  // namespace aether::kube
