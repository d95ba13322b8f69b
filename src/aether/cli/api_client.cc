// ApiClient: request building, envelope decoding and JSON codecs for the API's value types.
#include "aether/cli/api_client.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <thread>

#include "aether/blob/s3/s3_xml.h"
#include "aether/cli/config.h"
#include "aether/crypto/crypto.h"
#include "aether/wire/wire.h"

namespace aether::cli {
namespace {

using nlohmann::json;

constexpr ErrorCode kAllCodes[] = {ErrorCode::kInvalidArgument,    ErrorCode::kUnauthenticated,
                                   ErrorCode::kPermissionDenied,   ErrorCode::kNotFound,
                                   ErrorCode::kAlreadyExists,      ErrorCode::kConflict,
                                   ErrorCode::kDigestMismatch,     ErrorCode::kPayloadTooLarge,
                                   ErrorCode::kFailedPrecondition, ErrorCode::kDeployFailed,
                                   ErrorCode::kUnavailable,        ErrorCode::kTimeout,
                                   ErrorCode::kInternal,           ErrorCode::kSignatureRequired,
                                   ErrorCode::kSignatureInvalid,   ErrorCode::kSbomRequired,
                                   ErrorCode::kSbomInvalid,        ErrorCode::kProvenanceRequired,
                                   ErrorCode::kProvenanceInvalid,  ErrorCode::kPlatformMismatch,
                                   ErrorCode::kQuotaExceeded,      ErrorCode::kIdempotencyConflict,
                                   ErrorCode::kRateLimited};

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : "";
}

int64_t Int(const json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_number_integer()) ? it->get<int64_t>() : 0;
}

Result<json> ParseBody(const http::Response& res, std::string_view what) {
  json j = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Internal("unexpected response to " + std::string(what) + " (not a JSON object)");
  }
  return j;
}

AppInfo AppFromJson(const json& j) {
  AppInfo info;
  static_cast<App&>(info) = wire::AppFromJson(j, &info.url);
  return info;
}

std::string Seg(const std::string& s) { return http::PercentEncode(s); }

// {"method", "url", "expires_at", "headers": {…}} as the API sends a presigned URL.
PresignedUrl PresignedFrom(const json& j) {
  PresignedUrl url{Str(j, "method"), Str(j, "url"), Int(j, "expires_at"), {}};
  if (url.method.empty()) url.method = "PUT";
  if (auto it = j.find("headers"); it != j.end() && it->is_object()) {
    for (const auto& [name, value] : it->items()) {
      if (value.is_string()) url.headers[name] = value.get<std::string>();
    }
  }
  return url;
}

}  // namespace

ErrorCode ErrorCodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 422:
      return ErrorCode::kDigestMismatch;
    case 429:
      return ErrorCode::kRateLimited;
    case 502:
    case 503:
      return ErrorCode::kUnavailable;
    case 504:
      return ErrorCode::kTimeout;
    default:
      break;
  }
  return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
}

Status StatusFromResponse(const http::Response& res, std::string_view what) {
  ErrorCode code = ErrorCodeForHttpStatus(res.status);
  std::string message;
  json j = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    std::string name = Str(j, "code");
    for (ErrorCode c : kAllCodes) {
      if (ErrorCodeName(c) == name) code = c;
    }
    message = Str(j, "message");
    if (message.empty()) message = name;
  }
  if (auto s3 = s3::ParseError(res.body); message.empty() && s3) {  // a presigned S3 URL
    message = std::string(what) + ": S3 answered " + std::to_string(res.status) + " " + s3->code +
              (s3->message.empty() ? "" : " (" + s3->message + ")");
  }
  if (message.empty()) {
    std::string body = res.body.substr(0, 160);
    for (char& c : body) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    message = std::string(what) + ": HTTP " + std::to_string(res.status) +
              (body.empty() ? "" : " " + body);
  }
  if (code == ErrorCode::kUnauthenticated) message += " (run `aether login`)";
  return Status(code, message);
}

Result<http::Response> ApiClient::Call(const std::string& method, const std::string& path,
                                       const std::string& body) {
  http::ClientRequest req;
  req.method = method;
  req.url = server_ + path;
  req.headers["Authorization"] = "Bearer " + token_;
  req.headers["Accept"] = "application/json";
  req.headers["User-Agent"] = "aether-cli/" + std::string(kCliVersion);
  if (!body.empty() || method == "POST") {
    req.headers["Content-Type"] = "application/json";
    req.body = body;
  }
  // A mutating call is retried when the server is briefly unavailable; its Idempotency-Key
  // makes the retry return the first answer if the first attempt did get through.
  bool mutating = method == "POST" || method == "PATCH";
  if (mutating) req.headers["Idempotency-Key"] = crypto::RandomHex(16);
  for (int attempt = 0;; ++attempt) {
    auto res = http_.Send(req);
    Status failed = !res.ok() ? res.status()
                    : res->status < 200 || res->status >= 300
                        ? StatusFromResponse(*res, method + " " + path)
                        : Status::Ok();
    if (failed.ok()) return res;
    if (!mutating || failed.code() != ErrorCode::kUnavailable || attempt == 2) return failed;
    std::this_thread::sleep_for(std::chrono::milliseconds(300 * (attempt + 1)));
  }
}

Result<json> ApiClient::CallJson(const std::string& method, const std::string& path,
                                 const std::string& body) {
  AETHER_ASSIGN_OR_RETURN(auto res, Call(method, path, body));
  return ParseBody(res, method + " " + path);
}

Result<AppInfo> ApiClient::CreateApp(const std::string& name) {
  AETHER_ASSIGN_OR_RETURN(auto res, Call("POST", "/apps", json{{"name", name}}.dump()));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "POST /apps"));
  return AppFromJson(j);
}

Status ApiClient::ForEachItem(const std::string& path, const char* field,
                              const std::function<void(const json&)>& each) {
  std::string cursor;
  do {
    std::string query = "?limit=" + std::to_string(kMaxPageLimit) +
                        (cursor.empty() ? "" : "&cursor=" + Seg(cursor));
    AETHER_ASSIGN_OR_RETURN(json j, CallJson("GET", path + query));
    if (auto it = j.find(field); it != j.end() && it->is_array()) {
      for (const auto& item : *it) {
        if (item.is_object()) each(item);
      }
    }
    cursor = Str(j, "next_cursor");
  } while (!cursor.empty());
  return Status::Ok();
}

Result<std::vector<AppInfo>> ApiClient::ListApps() {
  std::vector<AppInfo> apps;
  AETHER_RETURN_IF_ERROR(
      ForEachItem("/apps", "apps", [&](const json& a) { apps.push_back(AppFromJson(a)); }));
  return apps;
}

Result<AppInfo> ApiClient::GetApp(const std::string& name) {
  AETHER_ASSIGN_OR_RETURN(auto res, Call("GET", "/apps/" + Seg(name)));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "GET /apps/{app}"));
  return AppFromJson(j);
}

Status ApiClient::DeleteApp(const std::string& name) {
  auto res = Call("DELETE", "/apps/" + Seg(name));
  return res.status();
}

Result<std::vector<std::string>> ApiClient::MissingBlobs(const std::vector<std::string>& digests) {
  AETHER_ASSIGN_OR_RETURN(auto res,
                          Call("POST", "/artifacts/missing", json{{"digests", digests}}.dump()));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "POST /artifacts/missing"));
  std::vector<std::string> missing;
  if (auto it = j.find("missing"); it != j.end() && it->is_array()) {
    for (const auto& d : *it) {
      if (d.is_string()) missing.push_back(d.get<std::string>());
    }
  }
  return missing;
}

Result<PresignedUrl> ApiClient::Presign(const std::string& digest, int64_t size) {
  AETHER_ASSIGN_OR_RETURN(auto res, Call("POST", "/artifacts/presign",
                                         json{{"digest", digest}, {"size", size}}.dump()));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "POST /artifacts/presign"));
  PresignedUrl url = PresignedFrom(j);
  if (url.url.empty()) return Internal("POST /artifacts/presign returned no url");
  if (url.url.starts_with("/")) url.url = server_ + url.url;
  return url;
}

Status ApiClient::PutPresigned(const PresignedUrl& url, const std::string& file,
                               const std::function<void(int64_t, int64_t)>& progress) {
  return PutFile(http_, url, file, 0, -1, progress).status();
}

Result<http::Response> ApiClient::PutFile(http::Client& client, const PresignedUrl& url,
                                          const std::string& file, int64_t offset, int64_t length,
                                          const std::function<void(int64_t, int64_t)>& progress) {
  http::ClientRequest req;
  req.method = url.method;
  req.url = url.url;
  req.upload_file = file;
  req.upload_offset = offset;
  req.upload_length = length;
  req.headers["Content-Type"] = "application/octet-stream";
  for (const auto& [name, value] : url.headers) req.headers[name] = value;  // signed: as given
  req.headers["User-Agent"] = "aether-cli/" + std::string(kCliVersion);
  req.timeout = std::chrono::minutes(30);
  req.progress = progress;
  AETHER_ASSIGN_OR_RETURN(http::Response res, client.Send(req));
  if (res.status < 200 || res.status >= 300) return StatusFromResponse(res, "upload");
  return res;
}

Result<MultipartUpload> ApiClient::CreateUpload(const std::string& digest, int64_t size) {
  AETHER_ASSIGN_OR_RETURN(auto res, Call("POST", "/artifacts/uploads",
                                         json{{"digest", digest}, {"size", size}}.dump()));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "POST /artifacts/uploads"));
  MultipartUpload up{Str(j, "upload_id"), Int(j, "part_size"), {}};
  if (auto it = j.find("parts"); it != j.end() && it->is_array()) {
    for (const auto& p : *it) {
      PresignedUrl url = PresignedFrom(p);
      if (url.url.starts_with("/")) url.url = server_ + url.url;
      up.parts.push_back(std::move(url));
    }
  }
  if (up.upload_id.empty() || up.part_size <= 0 || up.parts.empty()) {
    return Internal("POST /artifacts/uploads returned no upload id, part size or parts");
  }
  return up;
}

Result<std::vector<UploadPart>> ApiClient::PutParts(const MultipartUpload& up,
                                                    const std::string& file, int64_t size,
                                                    int concurrency,
                                                    const std::function<void(int64_t)>& progress) {
  const size_t count = up.parts.size();
  std::vector<std::string> etags(count);
  std::vector<int64_t> sent(count, 0);
  std::mutex mu;  // guards everything above, `next` and `failure`
  size_t next = 0;
  Status failure = Status::Ok();
  auto worker = [&](http::Client& client) {
    for (;;) {
      size_t i = 0;
      {
        std::lock_guard lock(mu);
        if (!failure.ok() || next == count) return;
        i = next++;
      }
      const int64_t offset = static_cast<int64_t>(i) * up.part_size;
      const int64_t length = std::min(up.part_size, size - offset);
      auto etag = PutPart(client, up.parts[i], file, offset, length,
                          [&, i](int64_t done, int64_t /*total*/) {
                            std::lock_guard lock(mu);
                            sent[i] = done;
                            if (progress) progress(std::reduce(sent.begin(), sent.end()));
                          });
      std::lock_guard lock(mu);
      if (!etag.ok()) {
        if (failure.ok()) failure = etag.status();
        return;
      }
      etags[i] = std::move(etag).value();
    }
  };
  const size_t workers = make_client_ ? std::clamp<size_t>(concurrency, 1, count) : 1;
  if (workers == 1) {
    worker(http_);
  } else {
    std::vector<std::unique_ptr<http::Client>> clients;
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) {
      clients.push_back(make_client_());
      threads.emplace_back([&worker, c = clients.back().get()] { worker(*c); });
    }
    for (auto& t : threads) t.join();
  }
  if (!failure.ok()) return failure;
  std::vector<UploadPart> parts;
  for (size_t i = 0; i < count; ++i) parts.push_back({static_cast<int>(i) + 1, etags[i]});
  return parts;
}

Result<std::string> ApiClient::PutPart(http::Client& client, const PresignedUrl& url,
                                       const std::string& file, int64_t offset, int64_t length,
                                       const std::function<void(int64_t, int64_t)>& progress) {
  AETHER_ASSIGN_OR_RETURN(http::Response res, PutFile(client, url, file, offset, length, progress));
  // The ETag header (what S3 sends), else the JSON body's "etag" (what aetherd also sends).
  std::string etag;
  if (auto it = res.headers.find("ETag"); it != res.headers.end())
    etag = s3::UnquoteEtag(it->second);
  if (etag.empty()) {
    json j = json::parse(res.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) etag = Str(j, "etag");
  }
  if (etag.empty()) return Internal("part upload to " + url.url + " returned no ETag");
  return etag;
}

Status ApiClient::CompleteUpload(const std::string& upload_id,
                                 const std::vector<UploadPart>& parts) {
  json list = json::array();
  for (const auto& p : parts) list.push_back({{"number", p.number}, {"etag", p.etag}});
  auto res = Call("POST", "/artifacts/uploads/" + Seg(upload_id) + "/complete",
                  json{{"parts", list}}.dump());
  return res.status();
}

Status ApiClient::AbortUpload(const std::string& upload_id) {
  return Call("DELETE", "/artifacts/uploads/" + Seg(upload_id)).status();
}

Status ApiClient::Complete(const std::string& digest, int64_t size) {
  auto res = Call("POST", "/artifacts/complete", json{{"digest", digest}, {"size", size}}.dump());
  return res.status();
}

Result<Registered> ApiClient::RegisterArtifact(const std::string& app, const std::string& manifest,
                                               const ArtifactEvidence& evidence) {
  json body{{"manifest", manifest}, {"digest", "sha256:" + crypto::Sha256Hex(manifest)}};
  for (auto [key, text] :
       {std::pair{"signature", &evidence.signature}, std::pair{"sbom", &evidence.sbom},
        std::pair{"provenance", &evidence.provenance}}) {
    if (text->empty()) continue;
    json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) return Internal(std::string("the ") + key + " is not a JSON object");
    body[key] = std::move(doc);
  }
  AETHER_ASSIGN_OR_RETURN(auto res, Call("POST", "/apps/" + Seg(app) + "/artifacts", body.dump()));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "POST /apps/{app}/artifacts"));
  Registered r;
  r.digest = Str(j, "digest");
  r.verified = j.value("verified", false);
  r.signed_by = Str(j, "signed_by");
  r.provenance_verified = j.value("provenance_verified", false);
  return r;
}

Result<PublicKey> ApiClient::RegisterPublicKey(const std::string& app, const std::string& pem,
                                               const std::string& name) {
  AETHER_ASSIGN_OR_RETURN(auto res, Call("POST", "/apps/" + Seg(app) + "/public-keys",
                                         json{{"public_key", pem}, {"name", name}}.dump()));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "POST /apps/{app}/public-keys"));
  return wire::PublicKeyFromJson(j);
}

Result<std::vector<PublicKey>> ApiClient::ListPublicKeys(const std::string& app) {
  std::vector<PublicKey> keys;
  AETHER_RETURN_IF_ERROR(
      ForEachItem("/apps/" + Seg(app) + "/public-keys", "keys",
                  [&](const json& k) { keys.push_back(wire::PublicKeyFromJson(k)); }));
  return keys;
}

Result<PublicKey> ApiClient::DeactivatePublicKey(const std::string& app, const std::string& id) {
  AETHER_ASSIGN_OR_RETURN(auto res,
                          Call("DELETE", "/apps/" + Seg(app) + "/public-keys/" + Seg(id)));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "DELETE /apps/{app}/public-keys/{id}"));
  return wire::PublicKeyFromJson(j);
}

Result<Deployment> ApiClient::CreateDeployment(const std::string& app, const std::string& artifact,
                                               const std::string& strategy) {
  json body = {{"app", app}, {"artifact", artifact}};
  if (strategy != "rolling") body["strategy"] = strategy;
  AETHER_ASSIGN_OR_RETURN(auto res, Call("POST", "/deployments", body.dump()));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "POST /deployments"));
  return wire::DeploymentFromJson(j);
}

Result<Deployment> ApiClient::GetDeployment(const std::string& id) {
  AETHER_ASSIGN_OR_RETURN(auto res, Call("GET", "/deployments/" + Seg(id)));
  AETHER_ASSIGN_OR_RETURN(json j, ParseBody(res, "GET /deployments/{id}"));
  return wire::DeploymentFromJson(j);
}

Result<Page<Deployment>> ApiClient::ListReleases(const std::string& app, const PageRequest& page) {
  std::string query = "?limit=" + std::to_string(page.limit);
  if (!page.after.empty()) query += "&cursor=" + Seg(page.after);
  AETHER_ASSIGN_OR_RETURN(json j, CallJson("GET", "/apps/" + Seg(app) + "/releases" + query));
  Page<Deployment> out;
  if (auto it = j.find("releases"); it != j.end() && it->is_array()) {
    for (const auto& d : *it) {
      if (d.is_object()) out.items.push_back(wire::DeploymentFromJson(d));
    }
  }
  out.next = Str(j, "next_cursor");
  return out;
}

}  // namespace aether::cli
