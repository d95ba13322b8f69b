// Typed client for the aetherd REST API (docs/api.md) over an http::Client, decoding with
// wire/ into the shared core/model.h types. Error envelopes
// {"code","message"} become a Status with the server's code and message; transport failures
// stay kUnavailable / kTimeout. Borrows the http::Client; one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"
#include "aether/http/client.h"
#include "aether/logs/log_line.h"

namespace aether::cli {

// An app as the API shows it: the record plus the URL it is served at.
struct AppInfo : App {
  std::string url;
};

// Documents sent with a manifest ("" = not sent): JSON text of each.
struct ArtifactEvidence {
  std::string signature, sbom, provenance;
};

// A multipart upload as the server created it: parts[i] is where part i+1 goes.
struct MultipartUpload {
  std::string upload_id;
  int64_t part_size = 0;
  std::vector<PresignedUrl> parts;
};

// The server's answer to a registration.
struct Registered {
  std::string digest;
  bool verified = false;  // the signature verified against one of the app's keys
  std::string signed_by;
  bool provenance_verified = false;
};

// GET /apps/{app}/logs parameters; the stream is always asked for as NDJSON.
struct LogsRequest {
  bool follow = false;
  int tail_lines = -1;    // the last N lines per instance/container; -1: not sent (all)
  std::string since;      // "15m" or an RFC 3339 time (inclusive); "" not sent
  std::string container;  // "" every container
  std::string release;    // "v3"; "" every release
  bool previous = false;  // Kubernetes: the last terminated container

  bool operator==(const LogsRequest&) const = default;
};
// "?format=ndjson&follow=1&…" for `req`, values percent-encoded.
std::string LogsQuery(const LogsRequest& req);

// Gets each line of a log stream, decoded and as the server sent it (without the '\n').
// Returning false ends the stream; StreamLogs then returns Ok.
using LogLineHandler = std::function<bool(const logs::LogLine&, std::string_view ndjson)>;

// The ErrorCode for an HTTP status without a (recognised) envelope.
ErrorCode ErrorCodeForHttpStatus(int status);
// A Status for a non-2xx response: the envelope's code and message when present, else the
// HTTP status and the start of the body.
Status StatusFromResponse(const http::Response& res, std::string_view what);

class ApiClient {
 public:
  ApiClient(http::Client& http, std::string server, std::string token)
      : http_(http), server_(std::move(server)), token_(std::move(token)) {}

  const std::string& server() const { return server_; }

  Result<AppInfo> CreateApp(const std::string& name);
  Result<std::vector<AppInfo>> ListApps();
  Result<AppInfo> GetApp(const std::string& name);
  Status DeleteApp(const std::string& name);

  Result<std::vector<std::string>> MissingBlobs(const std::vector<std::string>& digests);
  Result<PresignedUrl> Presign(const std::string& digest, int64_t size);
  // Streams `file` to a presigned URL (no bearer token). `progress` gets (done, total).
  Status PutPresigned(const PresignedUrl& url, const std::string& file,
                      const std::function<void(int64_t, int64_t)>& progress = nullptr);
  Status Complete(const std::string& digest, int64_t size);

  // Multipart: POST /artifacts/uploads, a PUT per part, then complete (or abort).
  Result<MultipartUpload> CreateUpload(const std::string& digest, int64_t size);
  // PUTs every part of the `size`-byte `file` (part i+1 is bytes [i·part_size, …) to
  // up.parts[i]), up to `concurrency` at once, each on its own HTTP client (one at a time
  // without a client factory). Stops at the first failure. `progress` gets the bytes sent
  // so far over all parts. Returns the parts with their ETags, in order.
  Result<std::vector<UploadPart>> PutParts(const MultipartUpload& up, const std::string& file,
                                           int64_t size, int concurrency,
                                           const std::function<void(int64_t)>& progress = nullptr);
  // Where parallel transfers get their HTTP clients (the CLI's own factory).
  void SetClientFactory(std::function<std::unique_ptr<http::Client>()> make) {
    make_client_ = std::move(make);
  }
  Status CompleteUpload(const std::string& upload_id, const std::vector<UploadPart>& parts);
  Status AbortUpload(const std::string& upload_id);
  // Registers the manifest bytes with their evidence; returns what the server verified.
  Result<Registered> RegisterArtifact(const std::string& app, const std::string& manifest,
                                      const ArtifactEvidence& evidence = {});

  Result<PublicKey> RegisterPublicKey(const std::string& app, const std::string& pem,
                                      const std::string& name);
  Result<std::vector<PublicKey>> ListPublicKeys(const std::string& app);
  Result<PublicKey> DeactivatePublicKey(const std::string& app, const std::string& id);

  // `strategy`: "rolling" or "dev-hot".
  Result<Deployment> CreateDeployment(const std::string& app, const std::string& artifact,
                                      const std::string& strategy = "rolling");
  Result<Deployment> GetDeployment(const std::string& id);

  // Releases, newest first; `page.after` is the server's cursor ("" for the first page).
  Result<Page<Deployment>> ListReleases(const std::string& app, const PageRequest& page);
  // To release `version`, or to the previous good one without it.
  Result<Deployment> Rollback(const std::string& app, std::optional<long long> version);
  // Values are "********" unless `reveal`.
  Result<std::map<std::string, std::string>> GetConfig(const std::string& app, bool reveal);
  // name → value, or nullopt to unset; returns the new release.
  Result<Deployment> SetConfig(const std::string& app,
                               const std::map<std::string, std::optional<std::string>>& changes);
  Result<Deployment> Scale(const std::string& app, int instances);

  // Tokens (admin), the calling token, and the audit trail (admin).
  Result<IssuedToken> CreateToken(const TokenSpec& spec);
  Result<std::vector<TokenRecord>> ListTokens();
  Result<TokenRecord> RevokeToken(const std::string& id);
  Result<IssuedToken> RotateToken(const std::string& id, long long grace_seconds);
  Result<TokenRecord> WhoAmI();
  // The newest `limit` events.
  Result<std::vector<AuditEvent>> ListAudit(int limit);

  // Streams `app`'s logs (no timeout: a follow stream may idle for hours), calling `on_line`
  // for each complete line as it arrives. Ok when the server ended the stream (its last chunk)
  // or `on_line` stopped it; kUnavailable when the connection dropped before that (a partial
  // last line is never delivered) or `cancel` was set; the server's error envelope as its
  // Status; kInternal for a line that is not a log line.
  Status StreamLogs(const std::string& app, const LogsRequest& req, const LogLineHandler& on_line,
                    const std::atomic<bool>* cancel = nullptr);

 private:
  // PUTs bytes [offset, offset + length) of `file` (length -1: to the end) with no bearer
  // token; non-2xx responses become a Status.
  Result<http::Response> PutFile(http::Client& client, const PresignedUrl& url,
                                 const std::string& file, int64_t offset, int64_t length,
                                 const std::function<void(int64_t, int64_t)>& progress);
  // Streams bytes [offset, offset + length) of `file` to a part URL; returns the part's ETag.
  Result<std::string> PutPart(http::Client& client, const PresignedUrl& url,
                              const std::string& file, int64_t offset, int64_t length,
                              const std::function<void(int64_t, int64_t)>& progress);
  // Sends an authenticated JSON request; non-2xx responses become a Status.
  Result<http::Response> Call(const std::string& method, const std::string& path,
                              const std::string& body = "");
  // Every item of a paged list (`field` of each page), walking the cursors.
  Status ForEachItem(const std::string& path, const char* field,
                     const std::function<void(const nlohmann::json&)>& each);
  // Call, then the body as a JSON object.
  Result<nlohmann::json> CallJson(const std::string& method, const std::string& path,
                                  const std::string& body = "");

  http::Client& http_;
  std::function<std::unique_ptr<http::Client>()> make_client_;
  std::string server_;
  std::string token_;
};

}  // namespace aether::cli
