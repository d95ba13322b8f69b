// `aether deploy`: detect → deps layer → app layer → manifest → evidence (SBOM, signature,
// provenance) → upload → register → deploy → follow the rollout, timing each phase and
// reporting in human or JSON form. One call per deploy; uses the caller's ApiClient and
// Output from one thread.
#pragma once

#include <chrono>
#include <string>

#include "aether/artifact/ignore.h"
#include "aether/artifact/manifest.h"
#include "aether/cli/api_client.h"
#include "aether/cli/evidence_step.h"
#include "aether/cli/exit_codes.h"
#include "aether/cli/output.h"
#include "aether/cli/platform.h"
#include "aether/cli/project.h"

namespace aether::cli {

struct DeployOptions {
  std::string dir = ".";
  std::string app;  // "" → the project's app name
  bool wait = true;
  std::string cache_dir;  // CacheDir() when empty
  std::chrono::milliseconds poll_interval{50};
  std::chrono::milliseconds rollout_timeout{std::chrono::minutes(5)};
  bool dry_run = false;  // --dry-run / --pack-only: stop before anything is uploaded
  bool dev_hot = false;  // --dev-hot: the release's strategy is "dev-hot"
  EvidenceOptions evidence;
};

// The manifest for a project and its layers (deps first, then app).
artifact::Manifest BuildManifest(const std::string& app, const Project& project,
                                 const HostPlatform& platform, const LocalNode& node,
                                 std::vector<artifact::Layer> layers);

// The defaults plus the project's .aetherignore: what a deploy leaves out of the app layer.
artifact::IgnoreRules ProjectIgnoreRules(const std::string& dir);

// `api` may be null for a dry run.
Outcome RunDeploy(ApiClient* api, Output& out, const DeployOptions& options);

}  // namespace aether::cli
