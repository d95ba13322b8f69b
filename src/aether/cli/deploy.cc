// The deploy pipeline: local phases (detect, deps, pack) then server phases (upload,
// register, rollout), each timed; the report is printed as text or one JSON object.
#include "aether/cli/deploy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "aether/artifact/ignore.h"
#include "aether/artifact/pack.h"
#include "aether/cli/config.h"
#include "aether/cli/deploy_report.h"
#include "aether/cli/deps_layer.h"
#include "aether/cli/keys.h"
#include "aether/cli/server_steps.h"
#include "aether/cli/temp_dir.h"
#include "aether/core/clock.h"
#include "aether/core/files.h"
#include "aether/core/names.h"
#include "aether/crypto/crypto.h"

namespace aether::cli {
namespace {

namespace fs = std::filesystem;
using Clock = SteadyClock;

}  // namespace

artifact::IgnoreRules ProjectIgnoreRules(const std::string& dir) {
  artifact::IgnoreRules rules = artifact::IgnoreRules::WithDefaults();
  std::ifstream in(fs::path(dir) / ".aetherignore", std::ios::binary);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    rules.AddPatterns(ss.str());
  }
  return rules;
}

namespace {

// The app name to deploy as: --app (a usage error when invalid) or the project's.
Outcome ChooseAppName(const DeployOptions& options, const Project& project, std::string* app) {
  if (!options.app.empty()) {
    Status st = ValidateAppName(options.app);
    if (!st.ok()) return UsageFailure(st.message());
    *app = options.app;
    return Outcome::Ok();
  }
  if (project.app_name.empty()) {
    return LocalFailure(FailedPrecondition(
        "cannot derive an app name from package.json or the directory: pass --app NAME"));
  }
  Status st = ValidateAppName(project.app_name);
  if (!st.ok()) return LocalFailure(FailedPrecondition(st.message() + ": pass --app NAME"));
  *app = project.app_name;
  return Outcome::Ok();
}

// Keeps the newest `keep` artifact directories under `root` (they hold small documents and,
// after --dry-run, a packed app layer).
void PruneArtifactDirs(const fs::path& root, size_t keep) {
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> dirs;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    dirs.emplace_back(e.last_write_time(ec), e.path());
  }
  if (dirs.size() <= keep) return;
  std::sort(dirs.begin(), dirs.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = keep; i < dirs.size(); ++i) fs::remove_all(dirs[i].second, ec);
}

LayerReport ReportLayer(const artifact::PackedLayer& l, const std::string& role, bool cached) {
  return LayerReport{role, l.digest.str(), l.path, l.size, l.files, cached};
}

}  // namespace

artifact::Manifest BuildManifest(const std::string& app, const Project& project,
                                 const HostPlatform& platform, const LocalNode& node,
                                 std::vector<artifact::Layer> layers) {
  artifact::Manifest m;
  m.app = app;
  m.layers = std::move(layers);
  m.command = project.command;
  m.node_version = project.node_version;
  m.health_path = project.health_path;
  m.platform = Platform{platform.os, platform.arch, platform.libc, node.abi};
  m.created_by = "aether-cli/" + std::string(kCliVersion);
  return m;
}

Outcome RunDeploy(ApiClient* api, Output& out, const DeployOptions& options) {
  const auto start = Clock::now();
  DeployReport r;
  r.dry_run = options.dry_run;
  std::string cache_dir = options.cache_dir.empty() ? CacheDir() : options.cache_dir;
  EvidenceOptions evidence_options = options.evidence;
  evidence_options.sign_key = SigningKeyPath(options.evidence.sign_key);
  evidence_options.started_on = NowRfc3339();
  if (Status st = ReadProvenanceEnvironment(&evidence_options); !st.ok()) {
    return LocalFailure(st);
  }

  // detect
  auto t = Clock::now();
  std::error_code ec;
  fs::path dir = fs::absolute(options.dir, ec).lexically_normal();
  if (ec) return LocalFailure(FailedPrecondition("bad directory " + options.dir));
  std::string dir_str = dir.string();
  if (dir_str.size() > 1 && dir_str.back() == '/') dir_str.pop_back();
  if (!fs::is_directory(dir, ec)) {
    return LocalFailure(FailedPrecondition(options.dir + " is not a directory"));
  }
  auto node = ProbeLocalNode(cache_dir);
  if (!node.ok()) return LocalFailure(node.status());
  auto project = DetectProject(dir_str, *node);
  if (!project.ok()) return LocalFailure(project.status());
  if (Outcome o = ChooseAppName(options, *project, &r.app); !o.ok()) return o;
  HostPlatform platform = DetectHostPlatform();
  r.detect = MsSince(t);

  // deps
  t = Clock::now();
  std::optional<DepsLayer> deps;
  r.has_deps = project->has_dependencies;
  if (r.has_deps) {
    auto built = BuildDepsLayer(*project, *node, platform, cache_dir);
    if (!built.ok()) return LocalFailure(built.status());
    deps.emplace(std::move(built).value());
  }
  r.deps = MsSince(t);

  // pack
  t = Clock::now();
  auto tmp = ScopedTempDir::Create("aether-app");
  if (!tmp.ok()) return LocalFailure(tmp.status());
  artifact::IgnoreRules rules = ProjectIgnoreRules(dir.string());
  auto app_layer = artifact::PackTree(dir_str, rules, tmp->path() + "/app.tar.zst");
  if (!app_layer.ok()) return LocalFailure(app_layer.status());
  std::vector<artifact::Layer> layers;
  std::vector<LayerFile> packed;
  if (deps) {
    layers.push_back(artifact::ManifestLayer(deps->layer, "deps"));
    packed.push_back({&deps->layer, "deps"});
    r.layers.push_back(ReportLayer(deps->layer, "deps", deps->cached));
  }
  layers.push_back(artifact::ManifestLayer(*app_layer, "app"));
  packed.push_back({&app_layer.value(), "app"});
  r.pack = MsSince(t);

  // hash: the canonical manifest and its digest, which names the artifact
  t = Clock::now();
  artifact::Manifest built = BuildManifest(r.app, *project, platform, *node, std::move(layers));
  for (const LayerFile& f : packed) artifact::AddNativeAddons(*f.layer, &built);
  r.manifest = artifact::SerializeManifest(built);
  Digest digest = crypto::Sha256Digest(r.manifest);
  r.artifact = digest.str();
  r.hash = MsSince(t);

  // The artifact's files: manifest, evidence and (dry run) the app layer, kept in the cache.
  fs::path artifacts_root = fs::path(cache_dir) / "artifacts";
  fs::path artifact_dir = artifacts_root / std::string(digest.hex());
  fs::create_directories(artifact_dir, ec);
  if (ec) return LocalFailure(Internal("cannot create " + artifact_dir.string()));
  r.manifest_path = (artifact_dir / "manifest.json").string();
  if (Status st = WriteFileAtomic(r.manifest_path, r.manifest, 0644); !st.ok()) {
    return LocalFailure(st);
  }
  if (options.dry_run) {
    std::string kept = (artifact_dir / "app.tar.zst").string();
    fs::rename(app_layer->path, kept, ec);
    if (!ec) app_layer->path = kept;
  }
  r.layers.push_back(ReportLayer(*app_layer, "app", false));
  PruneArtifactDirs(artifacts_root, 20);
  out.Line((options.dry_run ? "Packing " : "Deploying ") + out.Bold(r.app) + " (" +
           r.artifact.substr(0, 15) + "…)");

  // evidence: SBOM, signature, provenance
  auto evidence = BuildEvidence(*project, r.app, digest, platform, *node, evidence_options,
                                artifact_dir.string());
  if (!evidence.ok()) return LocalFailure(evidence.status());
  r.evidence = std::move(evidence).value();
  if (!r.evidence.sbom_note.empty()) out.Warn("no SBOM: " + r.evidence.sbom_note);
  if (!evidence_options.sign_key.empty() && r.evidence.provenance.empty()) {
    out.Warn("no provenance: " + r.evidence.provenance_note);
  }
  if (options.dry_run || api == nullptr) {
    r.total = MsSince(start);
    PrintDeployReport(out, r);
    return Outcome::Ok();
  }

  // upload
  t = Clock::now();
  if (Status st = EnsureApp(*api, r.app, &r.created_app); !st.ok()) return ServerFailure(st);
  if (r.created_app) out.Line("  created app " + r.app);
  auto uploaded = UploadLayers(*api, out, packed);
  if (!uploaded.ok()) return ServerFailure(uploaded.status());
  r.upload = *uploaded;
  r.upload_ms = MsSince(t);

  // register
  t = Clock::now();
  auto registered = api->RegisterArtifact(
      r.app, r.manifest,
      ArtifactEvidence{r.evidence.signature, r.evidence.sbom, r.evidence.provenance});
  if (!registered.ok()) return ServerFailure(registered.status());
  if (!registered->digest.empty() && registered->digest != r.artifact) {
    return ServerFailure(Internal("the server registered the manifest as " + registered->digest +
                                  ", expected " + r.artifact));
  }
  r.verified = registered->verified;
  r.provenance_verified = registered->provenance_verified;
  r.register_ms = MsSince(t);

  // rollout
  t = Clock::now();
  auto created = api->CreateDeployment(r.app, r.artifact, options.dev_hot ? "dev-hot" : "rolling");
  if (!created.ok()) return ServerFailure(created.status());
  r.deployment = created->id;
  r.status = created->status;
  r.url = created->url;
  Status rollout = Status::Ok();
  if (options.wait) {
    auto done = WaitForRollout(*api, created->id, options.poll_interval, options.rollout_timeout);
    if (!done.ok()) return ServerFailure(done.status());
    r.status = done->status;
    r.reason = done->reason;
    if (!done->url.empty()) r.url = done->url;
    r.server_phases = done->phases;
    rollout = RolloutStatus(*done);
  }
  r.rollout = MsSince(t);
  r.total = MsSince(start);
  PrintDeployReport(out, r);
  if (!rollout.ok()) return ServerFailure(rollout);
  return Outcome::Ok();
}

}  // namespace aether::cli
