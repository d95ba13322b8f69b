// AetherEngine's value types: the records the metadata store keeps (apps, artifacts,
// deployments, tokens) and presigned URLs. Shared by the stores, services, the API and the
// CLI (which decodes them from the wire). Plain data; std only.
#pragma once

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

// One thing that happened to a deployment, in order: created, deploying, each phase (fetch,
// verify, unpack, start, ready, switch), running, failed (with the reason), superseded.
struct DeploymentEvent {
  long long seq = 0;  // assigned by the store, increasing
  std::string deployment;
  std::string time;  // RFC 3339
  std::string type;
  std::string message;
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

// One part of a multipart blob upload as the client reports it when completing.
struct UploadPart {
  int number = 0;  // 1-based
  std::string etag;
};

}  // namespace aether
