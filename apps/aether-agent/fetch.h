// `aether-agent fetch`: downloads an artifact's manifest and layers from aetherd, verifies
// every digest (and, on request, the signature against the app's active keys), and unpacks the
// layers into a directory that appears atomically. Owned by the agent binary; one fetch per
// process, not meant for concurrent calls on the same dest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aether/core/status.h"
#include "aether/http/client.h"

namespace aether::agent {

struct FetchOptions {
  std::string server;  // "http://127.0.0.1:7070"
  std::string app;
  std::string artifact;            // "sha256:…", the manifest digest
  std::string dest;                // must not exist, or is replaced atomically
  std::string cache;               // layer cache directory, files named by hex digest; "" for none
  std::string token;               // pull token (from AETHER_PULL_TOKEN)
  bool require_signature = false;  // verify the artifact's signature against the app's keys
};

struct FetchReport {
  int64_t fetch_ms = 0;   // time in HTTP requests
  int64_t verify_ms = 0;  // time hashing the manifest and layers
  int64_t unpack_ms = 0;  // time unpacking and moving into place
  int64_t layers = 0;
  int64_t cached_layers = 0;  // layers found valid in the cache
  int64_t bytes = 0;          // layer bytes downloaded (cached layers not counted)
  std::vector<std::string> command;
  std::string health_path;
};

Result<FetchReport> Fetch(const FetchOptions& options, http::Client& client);

// The subcommand: prints one JSON line on success (exit 0), or one
// "aether-agent: fetch: <message>" line on stderr (exit 1).
int RunFetch(const FetchOptions& options);

}  // namespace aether::agent
