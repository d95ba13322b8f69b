// Api: aetherd's REST surface. Owns the route table; each route declares who may call it and
// its handler decodes → calls a service → encodes. Mutating routes honour Idempotency-Key. Built
// once, then Handle() is called concurrently by the HTTP server's connection threads.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "aether/blob/blob_store.h"
#include "aether/http/router.h"
#include "aether/logs/log_source.h"
#include "aether/metrics/metrics.h"
#include "aether/service/apps.h"
#include "aether/service/artifacts.h"
#include "aether/service/auth.h"
#include "aether/service/deployments.h"
#include "aether/service/idempotency.h"
#include "aether/service/keys.h"
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
  MetadataStore& store;
  BlobStore& blobs;
  logs::LogSource& logs;  // the runtime's output and platform events (GET /apps/{app}/logs)
  Metrics& metrics;       // every request is observed by Api::Handle; served at GET /metrics
  std::function<std::string()> public_url;  // "http://127.0.0.1:7070", for presigned paths
};

enum class Access {
  kPublic,  // health, and presigned URLs (their signature is checked by the handler)
  kPull,    // artifact reads: admin or pull tokens
  kRead,    // reading an app's logs: admin or read tokens
  kAdmin,   // everything else
};

class Api {
 public:
  explicit Api(Services services);
  // Dispatches and records the request in services().metrics under its route pattern
  // ("unmatched" for the router's own 404/405 answers).
  http::Response Handle(http::Request& req) const;

  void Route(std::string method, const std::string& pattern, Access access, http::Handler handler);
  Services& services() { return s_; }
  // The route table: (method, pattern) pairs in registration order.
  std::vector<std::pair<std::string, std::string>> Routes() const { return router_.Routes(); }

 private:
  Services s_;
  http::Router router_;
};

// Route groups, one file each.
void RegisterHealthRoutes(Api& api);
void RegisterAppRoutes(Api& api);
void RegisterArtifactRoutes(Api& api);
void RegisterDeploymentRoutes(Api& api);
void RegisterKeyRoutes(Api& api);
void RegisterReleaseRoutes(Api& api);
void RegisterLogRoutes(Api& api);

}  // namespace aether::api
