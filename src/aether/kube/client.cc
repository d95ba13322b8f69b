// Kubernetes REST calls and watch streams over http::Client (libcurl).
#include "aether/kube/client.h"

#include <nlohmann/json.hpp>

#include "aether/http/client.h"

namespace aether::kube {
namespace {

constexpr char kFieldManager[] = "aether";

std::string WithQuery(const std::string& path, const std::string& param) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + param;
}

}  // namespace

Status ErrorFromResponse(int http_status, const std::string& body, const std::string& what) {
  std::string message;
  Json status = Json::parse(body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    message = status.value("message", "");
  }
  if (message.empty()) message = "HTTP " + std::to_string(http_status);
  message = what + ": " + message;
  switch (http_status) {
    case 400:
    case 422:
      return InvalidArgument(message);
    case 401:
      return Status(ErrorCode::kUnauthenticated, message);
    case 403:
      return Status(ErrorCode::kPermissionDenied, message);
    case 404:
      return NotFound(message);
    case 409:
      return Status(ErrorCode::kConflict, message);
    case 410:
      return Status(ErrorCode::kFailedPrecondition, message);
    default:
      return http_status >= 500 || http_status == 429 ? Unavailable(message) : Internal(message);
  }
}

namespace {

http::ClientOptions PoolOptions(const Config& config) {
  http::ClientOptions o;
  o.ca_pem = config.ca_pem;
  o.client_cert_pem = config.client_cert_pem;
  o.client_key_pem = config.client_key_pem;
  return o;
}

}  // namespace

Client::Client(Config config)
    : config_(std::move(config)),
      pool_(std::make_unique<http::ClientPool>(PoolOptions(config_), 8)) {}
Client::~Client() = default;

Result<Json> Client::Call(const std::string& method, const std::string& path,
                          const std::string& body, const std::string& content_type) {
  AETHER_ASSIGN_OR_RETURN(std::string token, BearerToken(config_));
  http::ClientRequest req;
  req.method = method;
  req.url = config_.server + path;
  req.headers["Accept"] = "application/json";
  if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
  if (!content_type.empty()) req.headers["Content-Type"] = content_type;
  req.body = body;
  auto client = pool_->Take();
  auto res = client->Send(req);
  pool_->Give(std::move(client));
  const std::string what = method + " " + path.substr(0, path.find('?'));
  if (!res.ok()) return Unavailable("Kubernetes API " + what + ": " + res.status().message());
  if (res->status < 200 || res->status >= 300) {
    return ErrorFromResponse(res->status, res->body, what);
  }
  Json out = Json::parse(res->body, nullptr, false);
  if (out.is_discarded()) return Internal(what + ": the API server's answer is not JSON");
  return out;
}

Result<Json> Client::Get(const std::string& path) { return Call("GET", path, "", ""); }

Result<Json> Client::Apply(const std::string& path, const Json& object, const ApplyOptions& o) {
  std::string p = WithQuery(path, std::string("fieldManager=") + kFieldManager);
  if (o.force) p += "&force=true";
  if (o.dry_run) p += "&dryRun=All";
  // JSON is YAML: the apply content type takes either.
  return Call("PATCH", p, object.dump(), "application/apply-patch+yaml");
}

Result<Json> Client::MergePatch(const std::string& path, const Json& patch) {
  return Call("PATCH", WithQuery(path, std::string("fieldManager=") + kFieldManager), patch.dump(),
              "application/merge-patch+json");
}

Status Client::Delete(const std::string& path) {
  Json options = {
      {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  auto res = Call("DELETE", path, options.dump(), "application/json");
  if (!res.ok() && res.status().code() != ErrorCode::kNotFound) return res.status();
  return Status::Ok();
}

Result<WatchEnd> Client::Watch(const std::string& path,
                               const std::function<bool(const Json&)>& on_event,
                               const std::atomic<bool>* cancel, int timeout_seconds) {
  AETHER_ASSIGN_OR_RETURN(std::string token, BearerToken(config_));
  http::ClientRequest req;
  req.url = config_.server + WithQuery(path, "timeoutSeconds=" + std::to_string(timeout_seconds));
  req.headers["Accept"] = "application/json";
  if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
  req.timeout = std::chrono::seconds(timeout_seconds + 30);
  req.cancel = cancel;
  std::string pending;
  bool gone = false, stopped = false;
  Status event_error;
  req.on_body = [&](std::string_view data) {
    pending.append(data);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(pending.data() + start, nl - start);
      if (line.empty()) continue;
      Json event = Json::parse(line, nullptr, false);
      if (!event.is_object()) continue;
      if (event.value("type", "") == "ERROR") {
        const Json& st = event["object"];
        if (st.is_object() && st.value("code", 0) == 410) {
          gone = true;
        } else {
          event_error = Unavailable("watch " + path.substr(0, path.find('?')) + ": " +
                                    (st.is_object() ? st.value("message", "error event") : ""));
        }
        return false;
      }
      if (!on_event(event)) {
        stopped = true;
        return false;
      }
    }
    pending.erase(0, start);
    return true;
  };
  auto client = pool_->Take();
  auto res = client->Send(req);
  const std::string what = "watch " + path.substr(0, path.find('?'));
  if (!res.ok()) {
    // A dropped connection ends the watch like a server timeout: the caller resumes. The
    // connection is not reused.
    if (cancel != nullptr && cancel->load()) return res.status();
    return res.status().code() == ErrorCode::kUnavailable ||
                   res.status().code() == ErrorCode::kTimeout
               ? Result<WatchEnd>(WatchEnd::kClosed)
               : Result<WatchEnd>(res.status());
  }
  pool_->Give(std::move(client));
  if (res->status == 410 || gone) return WatchEnd::kGone;
  if (res->status < 200 || res->status >= 300) {
    return ErrorFromResponse(res->status, res->body, what);
  }
  if (!event_error.ok()) return event_error;
  return stopped ? WatchEnd::kStopped : WatchEnd::kClosed;
}

Result<int> Client::Stream(const std::string& path,
                           const std::function<bool(std::string_view)>& on_chunk,
                           const std::atomic<bool>* cancel, std::chrono::milliseconds timeout) {
  AETHER_ASSIGN_OR_RETURN(std::string token, BearerToken(config_));
  http::ClientRequest req;
  req.url = config_.server + path;
  req.headers["Accept"] = "*/*";
  if (!token.empty()) req.headers["Authorization"] = "Bearer " + token;
  req.timeout = timeout;
  req.cancel = cancel;
  req.on_body = on_chunk;
  auto client = pool_->Take();
  auto res = client->Send(req);
  const std::string what = "GET " + path.substr(0, path.find('?'));
  // A transfer that ended early leaves the connection in an unknown state: not reused.
  if (!res.ok())
    return Status(res.status().code(), "Kubernetes API " + what + ": " + res.status().message());
  pool_->Give(std::move(client));
  if (res->status < 200 || res->status >= 300) {
    return ErrorFromResponse(res->status, res->body, what);
  }
  return res->status;
}

}  // namespace aether::kube
