// Daemon: aetherd's composition root — the only place that names concrete implementations
// (SQLite or PostgreSQL store, fs or S3 blobs, local or Kubernetes runtime) and wires them into the
// services and the API. Start() returns a running daemon; Stop() shuts it down gracefully, leaving
// the apps running for the next start unless told otherwise (the destructor stops them). Stop from
// one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "aether/api/limits.h"
#include "aether/core/status.h"
#include "aether/runtime/kubernetes/kube_runtime.h"
#include "aether/service/evidence.h"
#include "aether/service/rate_limit.h"

namespace aether {

struct DaemonOptions {
  std::string data_dir;      // SQLite file, blobs, releases, logs, admin.token
  std::string database_url;  // PostgreSQL when set (DATABASE_URL), else SQLite in the data dir
  // Artifact blobs: "fs" (files under the data dir) or "s3" (bucket, endpoint and credentials
  // from the environment: blob/s3/s3_options.h).
  std::string blob_store = "fs";
  // Uploads begun and not completed within this time are dropped (checked every ttl/4).
  std::chrono::seconds upload_ttl{24 * 3600};
  std::string host = "127.0.0.1";  // API and router listen address
  int port = 7070;                 // API port; 0 picks one
  // HTTPS for the API when both are set (PEM); api_url() is then https://. Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // The API server's request limits (http/server.h "Limits"; api/limits.h for the bodies).
  api::BodyLimits body_limits;
  size_t header_limit = size_t{16} * 1024;
  std::chrono::milliseconds request_timeout{30000};
  // The URL clients reach the API at, for the absolute URLs in answers (presigned uploads);
  // "" = the scheme and Host of each request (api/public_url.h).
  std::string public_url;
  int router_port = 7080;  // app router port; 0 picks one
  std::string agent_path;  // aether-agent; "" → next to this executable
  std::chrono::milliseconds ready_timeout{60000};
  std::chrono::milliseconds stop_grace{10000};
  // Where releases run: "local" (processes behind aetherd's router) or "kubernetes" (`kube`;
  // its agent_server_url defaults to the API URL, its pull token to the agents' token, and its
  // dev_hot and require_signature follow the settings here).
  std::string runtime = "local";
  // Local runtime: run each app in the agent's bubblewrap sandbox (`aetherd --sandbox off`
  // turns it off; Start fails when it is on and cannot work here).
  bool sandbox = true;
  // Accept dev-hot deploys (`aetherd --dev-hot off` refuses them).
  bool dev_hot = true;
  KubeRuntimeOptions kube;
  // Evidence policy (main() reads AETHER_REQUIRE_*); the runtime platform is probed when unset.
  ArtifactPolicy policy;
  // Tokens to create at start ("secret:role:name,…", main() reads AETHER_API_TOKENS), and an
  // admin token's secret (AETHER_API_TOKEN). With an admin among them no admin.token is made.
  std::string seed_tokens;
  std::string seed_admin_token;
  // The agents' pull credential (AETHER_PULL_TOKEN) and the key that signs aetherd's own blob
  // URLs (AETHER_URL_SIGNING_KEY). Unset: one of each is made and kept in the data dir. Set them
  // when the data dir does not outlive the process or several replicas share a database.
  std::string pull_token;
  std::string url_signing_key;
  // Mutating requests per token (AETHER_RATE_LIMIT, "120/m"; per_minute 0: no limit).
  RateLimit rate_limit{600, 120};
  // How long audit events are kept (AETHER_AUDIT_RETENTION_DAYS).
  std::chrono::hours audit_retention{24 * 90};
  // Browser origins allowed to call the API (AETHER_CORS_ORIGINS; empty: no CORS headers).
  std::string cors_origins;
};

// What Stop does with the apps' processes.
enum class StopMode {
  kDetachApps,  // leave them running, recorded for the next start to re-attach (SIGTERM)
  kStopApps,    // stop them (aetherd --stop-apps-on-exit; tests)
};

class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> Start(const DaemonOptions& options);
  ~Daemon();  // Stop(StopMode::kStopApps) unless stopped already
  void Stop(StopMode mode = StopMode::kDetachApps);

  std::string api_url() const;
  std::string app_url(const std::string& app) const;  // where the router serves `app`
  std::string admin_token_file() const;

  struct Parts;  // defined in daemon.cc

 private:
  explicit Daemon(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace aether
