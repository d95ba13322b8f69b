// Api: aetherd's REST surface. Owns the route table; each route declares who may call it and
// its handler decodes → calls a service → encodes. Built once, then Handle() is called
// concurrently by the HTTP server's connection threads.
#pragma once

#include <functional>
#include <string>

#include "aether/blob/blob_store.h"
#include "aether/http/router.h"
#include "aether/service/apps.h"
#include "aether/service/artifacts.h"
#include "aether/service/auth.h"
#include "aether/service/deployments.h"
#include "aether/service/keys.h"

namespace aether::api {

struct Services {
  AuthService& auth;
  AppService& apps;
  ArtifactService& artifacts;
  DeployService& deploys;
  KeyService& keys;
  MetadataStore& store;
  BlobStore& blobs;
  std::function<std::string()> public_url;  // "http://127.0.0.1:7070", for presigned paths
};

enum class Access {
  kPublic,  // health, and presigned URLs (their signature is checked by the handler)
  kPull,    // artifact reads: admin or pull tokens
  kAdmin,   // everything else
};

class Api {
 public:
  explicit Api(Services services);
  http::Response Handle(http::Request& req) const;

  void Route(std::string method, const std::string& pattern, Access access, http::Handler handler);
  Services& services() { return s_; }

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

}  // namespace aether::api
