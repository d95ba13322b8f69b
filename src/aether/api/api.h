// Api: aetherd's REST surface. Owns the route table; each route declares who may call it (token
// scope, and which app it acts on) and its handler decodes → calls a service → encodes. Mutating
// routes honour Idempotency-Key. Built once, then Handle() is called concurrently by the HTTP
// server's connection threads.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "aether/api/cors.h"
#include "aether/blob/blob_store.h"
#include "aether/http/router.h"
#include "aether/logs/log_source.h"
#include "aether/metrics/metrics.h"
#include "aether/service/apps.h"
#include "aether/service/artifacts.h"
#include "aether/service/audit.h"
#include "aether/service/auth.h"
#include "aether/service/deployments.h"
#include "aether/service/idempotency.h"
#include "aether/service/keys.h"
#include "aether/service/rate_limit.h"
#include "aether/service/releases.h"

namespace aether::api {

struct Services {
  AuthService& auth;
  AppService& apps;
  ArtifactService& artifacts;
  DeployService& deploys;
  ReleaseService& releases;
  KeyService& keys;
  IdempotencyService& idempotency;
  AuditTrail& audit;  // mutating token use and token changes (GET /audit)
  MetadataStore& store;
  BlobStore& blobs;
  logs::LogSource& logs;  // the runtime's output and platform events (GET /apps/{app}/logs)
  Metrics& metrics;       // every request is observed by Api::Handle; served at GET /metrics
  // The base URL of absolute URLs in answers (presigned paths), for this request (public_url.h).
  std::function<std::string(const http::Request&)> public_url;
  RateLimiter* rate_limiter = nullptr;  // per token, on mutating routes; null: no limit
  CorsPolicy cors = {};                 // browser origins allowed (AETHER_CORS_ORIGINS)
};

// Who may call a route: anyone (presigned URLs check their own signature) or a token whose
// scope grants the level (see Scope in service/auth.h).
enum class Access {
  kPublic,  // health, metrics, openapi, and presigned blob URLs
  kAny,     // any valid token (whoami)
  kPull,    // artifact reads: pull, deploy or admin tokens
  kRead,    // reading apps, releases and logs: read, deploy or admin tokens
  kDeploy,  // deploying, config, scale, rollback: deploy or admin tokens
  kAdmin,   // deleting apps, signing keys, tokens, audit
};

// Which app a request acts on, for tokens restricted to some apps. A restricted token gets 403
// for any other app (and for a request whose app cannot be told) whether or not it exists; on
// an app-less admin route (tokens, audit) it always gets 403.
enum class AppFrom {
  kAuto,        // the {app} path capture if the pattern has one, else none
  kBodyName,    // the JSON body's "name" (POST /apps)
  kBodyApp,     // the JSON body's "app" (POST /deployments)
  kDeployment,  // the app of the deployment in the {id} capture
  kArtifact,    // the app of the artifact in the {digest} capture
};

// A handler that also sees the caller's token (for routes whose answer depends on it).
using AuthedHandler = std::function<http::Response(http::Request&, const Principal&)>;

class Api {
 public:
  explicit Api(Services services);
  // Dispatches and records the request in services().metrics under its route pattern
  // ("unmatched" for the router's own 404/405 answers). Answers CORS preflights and adds the
  // CORS headers for allowed origins (services().cors). Every answer to a token on a mutating
  // route is recorded in the audit trail; 401 and 403 answers are counted in
  // aether_auth_failures_total.
  http::Response Handle(http::Request& req) const;

  void Route(std::string method, const std::string& pattern, Access access, http::Handler handler,
             AppFrom app = AppFrom::kAuto);
  void Route(std::string method, const std::string& pattern, Access access, AuthedHandler handler,
             AppFrom app = AppFrom::kAuto);
  Services& services() { return s_; }
  // The route table: (method, pattern) pairs in registration order.
  std::vector<std::pair<std::string, std::string>> Routes() const { return router_.Routes(); }
  // The access a registered route requires (kPublic for an unknown one).
  Access AccessOf(std::string_view method, std::string_view pattern) const;

 private:
  struct Guard {
    Access access;
    AppFrom app;
    bool app_route;  // acts on one app (so app-restricted tokens are checked against it)
  };
  http::Response Guarded(http::Request& req, const Guard& guard,
                         const AuthedHandler& handler) const;
  Result<std::string> AppOf(const http::Request& req, AppFrom from) const;

  Services s_;
  http::Router router_;
  std::vector<std::tuple<std::string, std::string, Access>> access_;
};

// Route groups, one file each.
void RegisterHealthRoutes(Api& api);
void RegisterAppRoutes(Api& api);
void RegisterArtifactRoutes(Api& api);
void RegisterDeploymentRoutes(Api& api);
void RegisterKeyRoutes(Api& api);
void RegisterReleaseRoutes(Api& api);
void RegisterLogRoutes(Api& api);
void RegisterTokenRoutes(Api& api);

}  // namespace aether::api
