// EnsureApp, UploadLayers and WaitForRollout.
#include "aether/cli/server_steps.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace aether::cli {
namespace {

// How many parts go up at once: AETHER_UPLOAD_CONCURRENCY (1-16), default 4.
int UploadConcurrency() {
  const char* env = std::getenv("AETHER_UPLOAD_CONCURRENCY");
  int v = 0;
  if (env != nullptr) std::from_chars(env, env + std::strlen(env), v);
  return v >= 1 && v <= 16 ? v : 4;
}

// PUTs the parts of `l` (each only its byte range of the file) and collects the ETags.
Result<std::vector<UploadPart>> PutParts(ApiClient& api, Output& out, const std::string& label,
                                         const artifact::PackedLayer& l,
                                         const MultipartUpload& up) {
  const int64_t want = l.size == 0 ? 1 : (l.size + up.part_size - 1) / up.part_size;
  if (static_cast<int64_t>(up.parts.size()) != want) {
    return Internal("the server planned " + std::to_string(up.parts.size()) + " parts for " +
                    std::to_string(l.size) + " bytes in parts of " + std::to_string(up.part_size));
  }
  return api.PutParts(up, l.path, l.size, UploadConcurrency(),
                      [&out, &label, &l](int64_t sent) { out.Progress(label, sent, l.size); });
}

// Presign, one PUT of the whole file, complete.
Status UploadWhole(ApiClient& api, Output& out, const std::string& label,
                   const artifact::PackedLayer& l) {
  AETHER_ASSIGN_OR_RETURN(PresignedUrl url, api.Presign(l.digest.str(), l.size));
  Status put = api.PutPresigned(url, l.path, [&out, &label, &l](int64_t sent, int64_t total) {
    out.Progress(label, sent, total > 0 ? total : l.size);
  });
  out.EndProgress();
  AETHER_RETURN_IF_ERROR(put);
  return api.Complete(l.digest.str(), l.size);
}

// Create, PUT every part, complete; any failure aborts the upload on the server.
Status UploadInParts(ApiClient& api, Output& out, const std::string& label,
                     const artifact::PackedLayer& l) {
  AETHER_ASSIGN_OR_RETURN(MultipartUpload up, api.CreateUpload(l.digest.str(), l.size));
  auto parts = PutParts(api, out, label, l, up);
  out.EndProgress();
  Status st = parts.ok() ? api.CompleteUpload(up.upload_id, *parts) : parts.status();
  if (!st.ok()) (void)api.AbortUpload(up.upload_id);  // best effort: the first error matters
  return st;
}

}  // namespace

int64_t MultipartThreshold() {
  constexpr int64_t kDefault = 16LL << 20;
  const char* env = std::getenv("AETHER_MULTIPART_THRESHOLD");
  if (env == nullptr) return kDefault;
  int64_t v = 0;
  const char* end = env + std::strlen(env);
  auto [ptr, ec] = std::from_chars(env, end, v);
  return ec == std::errc() && ptr == end && v > 0 ? v : kDefault;
}

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
  const int64_t threshold = MultipartThreshold();
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
    std::string label = "upload " + f.role;
    AETHER_RETURN_IF_ERROR(l->size >= threshold ? UploadInParts(api, out, label, *l)
                                                : UploadWhole(api, out, label, *l));
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
