// The server side of a deploy over an ApiClient: make sure the app exists, upload the layers
// the server lacks (presign, PUT, complete; big ones in parts), and follow a rollout to a
// terminal status.
// Free functions; one thread at a time (they share the caller's ApiClient and Output).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aether/artifact/pack.h"
#include "aether/cli/api_client.h"
#include "aether/cli/output.h"
#include "aether/core/status.h"

namespace aether::cli {

// GET /apps/{app}; on 404 creates it and sets *created.
Status EnsureApp(ApiClient& api, const std::string& app, bool* created);

struct UploadStats {
  int uploaded_layers = 0;
  int skipped_layers = 0;
  int64_t uploaded_bytes = 0;
};

struct LayerFile {
  const artifact::PackedLayer* layer;
  std::string role;  // "deps" or "app", for the progress label
};

// Layers of at least this many bytes are uploaded in parts (multipart): the value of
// AETHER_MULTIPART_THRESHOLD (bytes) when it is a positive number, else 16 MiB.
int64_t MultipartThreshold();

// Asks which layer digests are missing and uploads only those, drawing progress on `out`.
// Layers at or above MultipartThreshold() go in parts; a failed multipart upload is aborted.
Result<UploadStats> UploadLayers(ApiClient& api, Output& out, const std::vector<LayerFile>& layers);

// running, failed, superseded, stopped: the rollout will not change any more.
bool IsTerminal(std::string_view status);
// Ok for a running deployment; kDeployFailed "deploy failed: <reason>" for the other ends.
Status RolloutStatus(const Deployment& d);

// Polls GET /deployments/{id} every `interval` until the status is terminal and returns that
// deployment. More than `timeout` is kTimeout. A few consecutive transport failures are
// retried.
Result<Deployment> WaitForRollout(ApiClient& api, const std::string& id,
                                  std::chrono::milliseconds interval,
                                  std::chrono::milliseconds timeout);

}  // namespace aether::cli
