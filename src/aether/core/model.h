// AetherEngine's value types: the records the metadata store keeps (apps, artifacts,
// deployments, tokens) and presigned URLs. Shared by the stores, services, the API and the
// CLI (which decodes them from the wire). Plain data; std only.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace aether {

// Where a Node.js app is built or runs, in Node's own vocabulary.
struct Platform {
  std::string os;        // process.platform: "linux"
  std::string arch;      // process.arch: "x64", "arm64"
  std::string libc;      // "glibc" or "musl"
  std::string node_abi;  // process.versions.modules, e.g. "115"
};

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
  // Evidence checked at registration ("" when none was given).
  std::string signature;             // detached signature document (JSON)
  std::string signed_by;             // key id the signature verified against
  std::string sbom;                  // CycloneDX 1.5 or aether-sbom/v1 JSON
  std::string provenance;            // DSSE envelope of an in-toto statement (JSON)
  std::string provenance_signed_by;  // key id the provenance verified against, "" if none
  // Layer digests the manifest names (filled by the artifact service at registration; the
  // store keeps them so retention knows which layer blobs are still referenced).
  std::vector<std::string> layers;
};

// How much an app keeps in the artifact registry (quotas).
struct ArtifactUsage {
  long long count = 0;
  long long bytes = 0;  // sum of ArtifactRecord::size
};

// An Ed25519 public key allowed to sign an app's artifacts. Deactivated keys are kept (so
// old signatures stay explainable) but no longer verify new registrations.
struct PublicKey {
  std::string id;  // "sha256:<hex of the DER public key>"
  std::string app;
  std::string name;
  std::string pem;  // SPKI PEM
  bool active = true;
  std::string created_at;
  std::string deactivated_at;  // "" while active
};

struct PhaseTiming {
  std::string name;  // fetch, verify, unpack, start, ready, switch
  long long ms = 0;
};

// How many instances a release may ask for (aether scale N).
inline constexpr int kMaxInstances = 100;

// A numbered release of an app and its rollout (Heroku's releases): what runs (artifact), with
// which config vars and how many instances. Every deploy, config change, rollback or scale
// change appends one. Lifecycle: pending → deploying → running → superseded, or → failed;
// "recorded" for a release with nothing to run yet (config set before the first deploy).
struct Deployment {
  std::string id;
  std::string app;
  long long version = 0;    // release number within the app (1, 2, …), assigned by the store
  std::string artifact;     // manifest digest; "" for a "recorded" release
  std::string description;  // "Deploy sha256:ab12…", "Set FOO", "Rollback to v3", "Scale to 3"
  // Config vars as stored: the service seals the values before they reach the store.
  std::map<std::string, std::string> config;
  int instances = 1;
  // How the runtime rolls it out: "rolling" (new instances, then the old ones go) or "dev-hot"
  // (Kubernetes: the running pods swap the app layer in place; see docs/kubernetes.md).
  std::string strategy = "rolling";
  std::string status = "pending";
  std::string reason;  // why it failed, "" otherwise
  std::string url;
  std::vector<PhaseTiming> phases;
  std::string created_at;
  std::string updated_at;
};

// One thing that happened to a deployment, in order: created, deploying, each phase (fetch,
// verify, unpack, start, ready, switch), running, failed (with the reason), superseded.
struct DeploymentEvent {
  long long seq = 0;  // assigned by the store, increasing
  std::string deployment;
  std::string time;  // RFC 3339
  std::string type;
  std::string message;
};

// API token: only the sha256 of its secret is stored. Times are RFC 3339 UTC ("" = none).
struct TokenRecord {
  std::string id;
  std::string name;
  std::string hash;  // sha256 hex of the current secret
  // Scope: "admin" (everything), "deploy" (deploy and read apps), "read" (read apps and
  // logs) or "pull" (artifact reads, for agents).
  std::string role;
  std::string created_at;
  std::vector<std::string> apps;  // the only apps it may touch; empty = every app
  std::string expires_at;
  std::string last_used_at;
  std::string revoked_at;
  // After a rotation the old secret's hash stays accepted until `previous_until`.
  std::string previous_hash;
  std::string previous_until;
};

// What creating a token asks for (API and CLI alike).
struct TokenSpec {
  std::string name;
  std::string role;               // scope
  std::vector<std::string> apps;  // empty: every app
  long long ttl_seconds = 0;      // 0: never expires
};

// A token as created or rotated: its record and its secret, shown only this once.
struct IssuedToken {
  TokenRecord token;
  std::string secret;
};

// Who did what: every use of a token on a mutating route and every token change.
struct AuditEvent {
  long long seq = 0;  // assigned by the store, increasing
  std::string time;   // RFC 3339
  std::string token_id;
  std::string token_name;
  std::string action;  // "POST /apps/{app}/scale", "token.create", …
  std::string target;  // the app or token acted on ("" if none)
  int status = 0;      // HTTP status of the answer (0 for changes made outside the API)
  std::string remote_addr;
};

// The first answer to a mutating request sent with an Idempotency-Key, replayed to retries.
struct IdempotencyRecord {
  std::string key;           // caller scope + ":" + the header value
  std::string request_hash;  // sha256 of method, path and body: the same key with another
                             // request is a conflict
  int status = 0;            // HTTP status of the first answer; 0 while it is in flight
  std::string response;      // its body
  std::string created_at;    // RFC 3339
};

// Counts for /metrics.
struct StoreStats {
  long long apps = 0;
  long long artifacts = 0;
  long long artifact_bytes = 0;
  long long running_releases = 0;  // apps whose current deployment is "running"
};

// Keyset pagination. `after` is the opaque key of the last item of the previous page ("" for
// the first page); the API layer encodes it as the client's cursor.
struct PageRequest {
  int limit = 50;  // 1…kMaxPageLimit
  std::string after;
};
inline constexpr int kMaxPageLimit = 500;

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;  // key to pass as `after` for the next page; "" on the last page
};

// A time-limited URL for one blob operation.
struct PresignedUrl {
  std::string method;  // "PUT" or "GET"
  // Absolute URL, or a path ("/blobs/…") on aetherd itself that the API layer makes absolute.
  std::string url;
  long long expires_at = 0;  // unix seconds
  // Headers the client must send exactly as given: they are part of the signature (S3's
  // x-amz-meta-sha256, x-amz-content-sha256, server-side encryption).
  std::map<std::string, std::string> headers;
};

// One part of a multipart blob upload as the client reports it when completing.
struct UploadPart {
  int number = 0;  // 1-based
  std::string etag;
};

}  // namespace aether
