// EnsureApp, UploadLayers and WaitForRollout.
#include "aether/cli/server_steps.h"

#include <algorithm>
#include <thread>

namespace aether::cli {

bool IsTerminal(std::string_view status) {
  return status == "running" || status == "failed" || status == "superseded" || status == "stopped";
}

Status RolloutStatus(const Deployment& d) {
  if (d.status == "running") return Status::Ok();
  std::string reason = d.reason;
  if (reason.empty()) reason = "deployment " + d.id + " is " + d.status;
  return Status(ErrorCode::kDeployFailed, "deploy failed: " + reason);
}

Status EnsureApp(ApiClient& api, const std::string& app, bool* created) {
  *created = false;
  auto got = api.GetApp(app);
  if (got.ok()) return Status::Ok();
  if (got.status().code() != ErrorCode::kNotFound) return got.status();
  auto made = api.CreateApp(app);
  if (!made.ok()) {
    if (made.status().code() == ErrorCode::kAlreadyExists) return Status::Ok();  // a race
    return made.status();
  }
  *created = true;
  return Status::Ok();
}

Result<UploadStats> UploadLayers(ApiClient& api, Output& out,
                                 const std::vector<LayerFile>& layers) {
  std::vector<std::string> digests;
  digests.reserve(layers.size());
  for (const auto& f : layers) digests.push_back(f.layer->digest.str());
  AETHER_ASSIGN_OR_RETURN(std::vector<std::string> missing, api.MissingBlobs(digests));
  UploadStats stats;
  std::vector<std::string> done;  // a digest listed twice is uploaded once
  for (const auto& f : layers) {
    const artifact::PackedLayer* l = f.layer;
    const std::string& d = l->digest.str();
    bool needed = std::find(missing.begin(), missing.end(), d) != missing.end() &&
                  std::find(done.begin(), done.end(), d) == done.end();
    if (!needed) {
      ++stats.skipped_layers;
      continue;
    }
    AETHER_ASSIGN_OR_RETURN(PresignedUrl url, api.Presign(d, l->size));
    std::string label = "upload " + f.role;
    Status put = api.PutPresigned(url, l->path, [&out, &label, l](int64_t sent, int64_t total) {
      out.Progress(label, sent, total > 0 ? total : l->size);
    });
    out.EndProgress();
    AETHER_RETURN_IF_ERROR(put);
    AETHER_RETURN_IF_ERROR(api.Complete(d, l->size));
    done.push_back(d);
    ++stats.uploaded_layers;
    stats.uploaded_bytes += l->size;
  }
  return stats;
}

Result<Deployment> WaitForRollout(ApiClient& api, const std::string& id,
                                  std::chrono::milliseconds interval,
                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int transport_failures = 0;
  std::string last_status = "pending";
  for (;;) {
    auto d = api.GetDeployment(id);
    if (d.ok()) {
      transport_failures = 0;
      last_status = d->status;
      if (IsTerminal(d->status)) return d;
    } else {
      ErrorCode c = d.status().code();
      bool transient = c == ErrorCode::kUnavailable || c == ErrorCode::kTimeout;
      if (!transient || ++transport_failures > 3) return d.status();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(ErrorCode::kTimeout, "timed out after " +
                                             std::to_string(timeout.count() / 1000) +
                                             "s waiting for deployment " + id + " (still " +
                                             last_status + "); check `aether status`");
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace aether::cli
