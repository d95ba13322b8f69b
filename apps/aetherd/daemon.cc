// Wires store, blobs, runtime, services, API and HTTP server together, in dependency order.
#include "aetherd/daemon.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "aether/api/api.h"
#include "aether/api/public_url.h"
#include "aether/blob/fs/fs_blob_store.h"
#include "aether/blob/s3/s3_blob_store.h"
#include "aether/core/files.h"
#include "aether/core/log.h"
#include "aether/core/periodic.h"
#include "aether/crypto/crypto.h"
#include "aether/crypto/seal.h"
#include "aether/http/envelope.h"
#include "aether/http/server.h"
#include "aether/metrics/metrics.h"
#include "aether/runtime/local/local_runtime.h"
#include "aether/runtime/local/node_platform.h"
#include "aether/store/postgres/postgres_store.h"
#include "aether/store/sqlite/sqlite_store.h"

namespace aether {
namespace fs = std::filesystem;

struct Daemon::Parts {
  DaemonOptions options;
  std::string api_url;
  Metrics metrics;  // first, so it outlives every part that records into it
  std::unique_ptr<MetadataStore> store;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<AuthService> auth;
  std::unique_ptr<RateLimiter> rate_limiter;  // null when AETHER_RATE_LIMIT=0
  std::unique_ptr<http::Server> server;
  logs::EventLog events;  // platform events for the log stream, recorded by the deploy service
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<logs::Combined> logs;  // the runtime's output and `events`
  std::unique_ptr<AppService> apps;
  std::unique_ptr<ArtifactService> artifacts;
  std::unique_ptr<KeyService> keys;
  std::unique_ptr<ConfigCipher> cipher;
  std::unique_ptr<DeployService> deploys;
  std::unique_ptr<ReleaseService> releases;
  std::unique_ptr<IdempotencyService> idempotency;
  std::unique_ptr<AuditTrail> audit;
  std::unique_ptr<api::Api> api;
  std::unique_ptr<Periodic> upload_gc;
  bool stopped = false;
};

namespace {

// A secret kept in a 0600 file under the data dir, created on first use.
Result<std::string> LoadOrCreateSecret(const fs::path& path) {
  if (auto text = ReadFile(path.string()); text.ok() && text->size() > 32) {
    return text->substr(0, text->find('\n'));
  }
  std::string secret = crypto::RandomHex(32);
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(path.string(), secret + "\n", 0600));
  return secret;
}

// `given` (from the environment variable `env`) when set, else the secret kept in `path`.
Result<std::string> SecretFrom(const std::string& given, const char* env, const fs::path& path) {
  if (given.empty()) return LoadOrCreateSecret(path);
  if (given.size() < 16)
    return InvalidArgument(std::string(env) + " must be 16 or more characters");
  return given;
}

// The key sealing config vars: AETHER_CONFIG_KEY (64 hex digits; every replica sharing a
// database needs the same one) or a key file created in the data dir.
Result<std::string> ConfigKey(const fs::path& dir) {
  if (const char* hex = std::getenv("AETHER_CONFIG_KEY"); hex != nullptr && *hex != '\0') {
    auto key = crypto::KeyFromHex(hex);
    if (!key.ok()) return InvalidArgument("AETHER_CONFIG_KEY: " + key.status().message());
    return key;
  }
  AETHER_ASSIGN_OR_RETURN(std::string hex, LoadOrCreateSecret(dir / "config.key"));
  return crypto::KeyFromHex(hex);
}

Result<std::unique_ptr<BlobStore>> OpenBlobStore(const DaemonOptions& o, const fs::path& dir,
                                                 const std::string& url_key) {
  if (o.blob_store == "fs") return OpenFsBlobStore((dir / "blobs").string(), UrlSigner(url_key));
  if (o.blob_store != "s3") {
    return InvalidArgument("unknown blob store '" + o.blob_store + "' (fs or s3)");
  }
  auto options = s3::OptionsFromEnvironment([](const char* name) { return std::getenv(name); });
  if (!options.ok()) return InvalidArgument("S3 blob store: " + options.status().message());
  auto blobs = s3::NewS3BlobStore(*options, url_key);
  AETHER_RETURN_IF_ERROR(blobs->Ping());
  LogLine("aetherd: artifacts in S3 bucket '" + options->bucket + "' at " + options->endpoint +
          (options->sse.empty() ? "" : " (server-side encryption " + options->sse + ")"));
  return blobs;
}

// Drops stale uploads every ttl/4 (between 1 s and 1 h).
std::unique_ptr<Periodic> StartUploadGc(BlobStore& blobs, std::chrono::seconds ttl) {
  auto every = std::clamp<std::chrono::milliseconds>(ttl / 4, std::chrono::seconds(1),
                                                     std::chrono::hours(1));
  return std::make_unique<Periodic>(every, [&blobs, ttl] {
    auto dropped = blobs.CollectStaleUploads(ttl);
    if (!dropped.ok()) {
      LogLine("aetherd: stale-upload cleanup failed: " + dropped.status().message());
    } else if (*dropped > 0) {
      LogLine("aetherd: dropped " + std::to_string(*dropped) + " upload(s) older than " +
              std::to_string(ttl.count()) + "s that were never completed");
    }
  });
}

std::string DefaultAgentPath();

Result<std::unique_ptr<Runtime>> OpenRuntime(const DaemonOptions& options, const fs::path& dir,
                                             const std::string& api_url,
                                             const std::string& pull_token) {
  if (options.runtime == "kubernetes") {
    KubeRuntimeOptions ko = options.kube;
    if (ko.agent_server_url.empty()) ko.agent_server_url = api_url;
    ko.pull_token = pull_token;
    ko.ready_timeout = options.ready_timeout;
    ko.require_signature = options.policy.require_signature;
    ko.dev_hot = options.dev_hot;
    return OpenKubeRuntime(ko);
  }
  if (options.runtime != "local") {
    return InvalidArgument("unknown runtime '" + options.runtime + "' (local or kubernetes)");
  }
  LocalRuntimeOptions lo;
  lo.data_dir = dir.string();
  lo.agent_path = options.agent_path.empty() ? DefaultAgentPath() : options.agent_path;
  lo.server_url = api_url;
  lo.pull_token = pull_token;
  if (!options.tls_cert_file.empty()) lo.server_ca_file = fs::absolute(options.tls_cert_file);
  lo.router_host = options.host;
  lo.router_port = options.router_port;
  lo.ready_timeout = options.ready_timeout;
  lo.stop_grace = options.stop_grace;
  lo.require_signature = options.policy.require_signature;
  lo.sandbox = options.sandbox;
  if (!lo.sandbox) {
    LogLine(
        "aetherd: WARNING: the app sandbox is off (--sandbox off): apps run as this user "
        "and can read and write whatever it can, the data dir included");
  }
  return OpenLocalRuntime(lo);
}

std::string DefaultAgentPath() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "aether-agent").string();
}

}  // namespace

Result<std::unique_ptr<Daemon>> Daemon::Start(const DaemonOptions& options) {
  auto p = std::make_unique<Parts>();
  p->options = options;
  fs::path dir = options.data_dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create data dir " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, ec);

  AETHER_ASSIGN_OR_RETURN(p->store, options.database_url.empty()
                                        ? OpenSqliteStore((dir / "aether.db").string())
                                        : OpenPostgresStore({options.database_url}));
  AETHER_ASSIGN_OR_RETURN(
      std::string url_key,
      SecretFrom(options.url_signing_key, "AETHER_URL_SIGNING_KEY", dir / "url-signing.key"));
  AETHER_ASSIGN_OR_RETURN(p->blobs, OpenBlobStore(options, dir, url_key));
  p->upload_gc = StartUploadGc(*p->blobs, options.upload_ttl);
  p->auth = std::make_unique<AuthService>(*p->store);
  AETHER_RETURN_IF_ERROR(p->auth->SeedTokens(options.seed_tokens));
  if (!options.seed_admin_token.empty()) {
    if (options.seed_admin_token.size() < 16) {
      return InvalidArgument("AETHER_API_TOKEN must be 16 or more characters");
    }
    AETHER_RETURN_IF_ERROR(p->auth->EnsureToken(options.seed_admin_token, "env-admin", "admin"));
  }
  AETHER_ASSIGN_OR_RETURN(std::string created,
                          p->auth->EnsureBootstrapToken((dir / "admin.token").string()));
  if (!created.empty()) {
    LogLine("aetherd: created admin token " + created + " in " + (dir / "admin.token").string());
  }
  AETHER_ASSIGN_OR_RETURN(api::CorsPolicy cors, api::ParseCorsOrigins(options.cors_origins));
  if (options.rate_limit.enabled()) {
    p->rate_limiter = std::make_unique<RateLimiter>(options.rate_limit);
  }
  // The agents' pull credential: given, or one per data dir, so restarts add no token records.
  AETHER_ASSIGN_OR_RETURN(std::string pull_token,
                          SecretFrom(options.pull_token, "AETHER_PULL_TOKEN", dir / "agent.token"));
  AETHER_RETURN_IF_ERROR(p->auth->EnsureToken(
      pull_token, options.pull_token.empty() ? "local-agents" : "agents", "pull"));

  // The API server starts first (its port is needed by the agents); until the API object
  // exists it answers 503.
  Parts* raw = p.get();
  http::ServerOptions so;
  so.host = options.host;
  so.port = options.port;
  so.name = "api";
  so.body_limit = options.body_limits.upload;
  so.body_limit_for = [limits = options.body_limits](const http::Request& head) {
    return api::BodyLimitFor(head, limits);
  };
  so.header_limit = options.header_limit;
  so.request_timeout = options.request_timeout;
  so.tls_cert_file = options.tls_cert_file;
  so.tls_key_file = options.tls_key_file;
  AETHER_ASSIGN_OR_RETURN(p->server, http::StartServer(so, [raw](http::Request& req) {
                            if (!raw->api)
                              return http::ErrorEnvelope(503, "service_unavailable",
                                                         "aetherd is starting");
                            return raw->api->Handle(req);
                          }));
  p->api_url = std::string(options.tls_cert_file.empty() ? "http" : "https") + "://" +
               options.host + ":" + std::to_string(p->server->port());

  AETHER_ASSIGN_OR_RETURN(p->runtime, OpenRuntime(options, dir, p->api_url, pull_token));

  p->apps = std::make_unique<AppService>(*p->store, *p->runtime);
  ArtifactPolicy policy = options.policy;
  if (!policy.runtime) {
    // Native addons must match the node that runs the apps; without one, nothing can run,
    // so the check is skipped and the rollout reports the missing node.
    if (auto platform = local::ProbeNodePlatform(); platform.ok()) {
      policy.runtime = *platform;
    } else {
      LogLine("aetherd: " + platform.status().message() + "; native addons are not checked");
    }
  }
  p->artifacts =
      std::make_unique<ArtifactService>(*p->store, *p->blobs, UrlSigner(url_key), policy);
  p->keys = std::make_unique<KeyService>(*p->store);
  AETHER_ASSIGN_OR_RETURN(std::string config_key, ConfigKey(dir));
  p->cipher = std::make_unique<ConfigCipher>(config_key);
  p->deploys = std::make_unique<DeployService>(
      *p->store, *p->runtime, *p->cipher,
      [m = &p->metrics](const std::string& outcome) { m->CountDeploy(outcome); }, &p->events);
  p->logs = std::make_unique<logs::Combined>(
      std::vector<logs::LogSource*>{&p->runtime->Logs(), &p->events});
  p->releases =
      std::make_unique<ReleaseService>(*p->store, *p->deploys, *p->cipher, options.dev_hot);
  p->idempotency = std::make_unique<IdempotencyService>(*p->store);
  p->audit = std::make_unique<AuditTrail>(*p->store, options.audit_retention);
  p->api = std::make_unique<api::Api>(
      api::Services{*p->auth, *p->apps, *p->artifacts, *p->deploys, *p->releases, *p->keys,
                    *p->idempotency, *p->audit, *p->store, *p->blobs, *p->logs, p->metrics,
                    [raw, configured = options.public_url,
                     tls = !options.tls_cert_file.empty()](const http::Request& req) {
                      return api::PublicUrlFor({configured, tls, raw->api_url}, req);
                    },
                    p->rate_limiter.get(), std::move(cors)});
  p->deploys->RecoverAndResume();
  return std::unique_ptr<Daemon>(new Daemon(std::move(p)));
}

Daemon::Daemon(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Daemon::~Daemon() { Stop(StopMode::kStopApps); }

void Daemon::Stop(StopMode mode) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->upload_gc->Stop();
  // Rollouts finish first: their agents fetch through the API. Then the API drains its
  // in-flight requests and streams, and last the router stops (with or without the apps).
  parts_->deploys->Shutdown();
  parts_->events.CloseFollowers();  // log followers end now rather than at the drain deadline
  parts_->server->Stop();
  if (mode == StopMode::kDetachApps) {
    parts_->runtime->Detach();  // the apps keep running for the next start to re-attach
  } else {
    parts_->runtime->Shutdown();
  }
}

std::string Daemon::api_url() const { return parts_->api_url; }

std::string Daemon::app_url(const std::string& app) const { return parts_->runtime->UrlFor(app); }

std::string Daemon::admin_token_file() const {
  return (fs::path(parts_->options.data_dir) / "admin.token").string();
}

}  // namespace aether
