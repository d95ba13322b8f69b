// AetherEngine's value types: the records the metadata store keeps (apps, artifacts,
// deployments, tokens) and presigned URLs. Shared by the stores, services, the API and the
// CLI (which decodes them from the wire). Plain data; std only.
#pragma once

#include <string>
#include <vector>

namespace aether {

struct App {
  std::string name;
  std::string created_at;
  std::string current_deployment;  // id of the running deployment, "" if none
};

struct ArtifactRecord {
  std::string digest;  // "sha256:…" of the manifest bytes
  std::string app;
  std::string manifest;  // the exact registered bytes
  long long size = 0;    // sum of layer sizes
  std::string created_at;
};

struct PhaseTiming {
  std::string name;  // fetch, verify, unpack, start, ready, switch
  long long ms = 0;
};

// Deployment lifecycle: pending → deploying → running → superseded|stopped, or → failed.
struct Deployment {
  std::string id;
  std::string app;
  std::string artifact;
  std::string status = "pending";
  std::string reason;  // why it failed, "" otherwise
  std::string url;
  std::vector<PhaseTiming> phases;
  std::string created_at;
  std::string updated_at;
};

// API token: only the sha256 of the secret is stored.
struct TokenRecord {
  std::string id;
  std::string name;
  std::string hash;
  std::string role;  // "admin" or "pull" (agents fetching artifacts)
  std::string created_at;
};

// A time-limited URL for one blob operation.
struct PresignedUrl {
  std::string method;  // "PUT" or "GET"
  // Absolute URL, or a path ("/blobs/…") on aetherd itself that the API layer makes absolute.
  std::string url;
  long long expires_at = 0;  // unix seconds
};

}  // namespace aether
