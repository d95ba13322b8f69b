// What `aether deploy` reports: per-phase timings, layers, evidence files and the rollout's
// outcome, printed as a few human lines or as one JSON object on stdout (--json). Plain data
// filled in by RunDeploy; printing is stateless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aether/cli/evidence_step.h"
#include "aether/cli/output.h"
#include "aether/cli/server_steps.h"
#include "aether/core/model.h"

namespace aether::cli {

struct LayerReport {
  std::string role, digest, path;
  int64_t size = 0, files = 0;
  bool cached = false;  // deps layer reused from the local cache
};

struct DeployReport {
  std::string app, artifact, deployment, status, reason, url;
  std::string manifest, manifest_path;  // canonical manifest text and where it was written
  bool dry_run = false;
  bool created_app = false;
  bool has_deps = false;
  std::vector<LayerReport> layers;
  Evidence evidence;
  bool verified = false, provenance_verified = false;  // as the server answered
  UploadStats upload;
  int64_t detect = 0, deps = 0, pack = 0, hash = 0, upload_ms = 0, register_ms = 0, rollout = 0,
          total = 0;
  std::vector<PhaseTiming> server_phases;
};

nlohmann::json DeployReportJson(const DeployReport& r);
void PrintDeployReport(Output& out, const DeployReport& r);

}  // namespace aether::cli
