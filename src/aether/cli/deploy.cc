// The deploy pipeline: local phases (detect, deps, pack) then server phases (upload,
// register, rollout), each timed; the report is printed as text or one JSON object.
#include "aether/cli/deploy.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "aether/artifact/ignore.h"
#include "aether/artifact/pack.h"
#include "aether/cli/config.h"
#include "aether/cli/deps_layer.h"
#include "aether/cli/server_steps.h"
#include "aether/cli/temp_dir.h"
#include "aether/core/clock.h"
#include "aether/core/names.h"
#include "aether/crypto/crypto.h"

namespace aether::cli {
namespace {

namespace fs = std::filesystem;
using Clock = SteadyClock;

struct Report {
  std::string app, artifact, deployment, status, reason, url;
  bool created_app = false;
  bool has_deps = false;
  bool deps_cached = false;
  int layers = 0;
  UploadStats upload;
  int64_t detect = 0, deps = 0, pack = 0, upload_ms = 0, register_ms = 0, rollout = 0, total = 0;
  std::vector<PhaseTiming> server_phases;
};

nlohmann::json ReportJson(const Report& r) {
  auto phases = nlohmann::json::array();
  for (const auto& p : r.server_phases) phases.push_back({{"name", p.name}, {"ms", p.ms}});
  nlohmann::json j = {{"app", r.app},
                      {"artifact", r.artifact},
                      {"deployment", r.deployment},
                      {"status", r.status},
                      {"url", r.url},
                      {"created_app", r.created_app},
                      {"deps_cached", r.deps_cached},
                      {"timings",
                       {{"detect", r.detect},
                        {"deps", r.deps},
                        {"pack", r.pack},
                        {"upload", r.upload_ms},
                        {"register", r.register_ms},
                        {"rollout", r.rollout},
                        {"total", r.total}}},
                      {"server_phases", phases},
                      {"uploaded_layers", r.upload.uploaded_layers},
                      {"skipped_layers", r.upload.skipped_layers},
                      {"uploaded_bytes", r.upload.uploaded_bytes}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  return j;
}

std::string PhaseLine(const Output& out, const Report& r) {
  std::string deps_note = !r.has_deps ? " (none)" : r.deps_cached ? " (cached)" : "";
  std::string line = "  detect " + HumanMs(r.detect) + " · deps " + HumanMs(r.deps) + deps_note +
                     " · pack " + HumanMs(r.pack) + " · upload " + HumanMs(r.upload_ms) + " (" +
                     std::to_string(r.upload.uploaded_layers) + " of " + std::to_string(r.layers) +
                     " layers, " + HumanBytes(r.upload.uploaded_bytes) + ") · register " +
                     HumanMs(r.register_ms);
  if (!r.deployment.empty() && r.status != "pending") line += " · rollout " + HumanMs(r.rollout);
  return out.Dim(line);
}

std::string ServerPhaseLine(const Output& out, const std::vector<PhaseTiming>& phases) {
  std::string line = "  server:";
  for (size_t i = 0; i < phases.size(); ++i) {
    line += (i == 0 ? " " : " · ") + phases[i].name + " " + HumanMs(phases[i].ms);
  }
  return out.Dim(line);
}

void PrintSummary(Output& out, const Report& r) {
  if (out.json()) {
    out.Json(ReportJson(r));
    return;
  }
  out.Line(PhaseLine(out, r));
  if (!r.server_phases.empty()) out.Line(ServerPhaseLine(out, r.server_phases));
  if (r.status == "running") {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2fs", static_cast<double>(r.total) / 1000);
    out.Line(out.Green(out.Bold("Released")) + " " + r.deployment + " in " + secs + " → " +
             out.Cyan(r.url));
  } else if (r.status == "pending" || r.status == "deploying") {
    out.Line("Deployment " + r.deployment + " is " + r.status +
             "; follow it with `aether status --app " + r.app + "`");
  }
}

std::string ReadIgnoreFile(const fs::path& dir) {
  std::ifstream in(dir / ".aetherignore", std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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
  m.platform = artifact::Platform{platform.os, platform.arch, platform.libc, node.abi};
  m.created_by = "aether-cli/" + std::string(kCliVersion);
  return m;
}

Outcome RunDeploy(ApiClient& api, Output& out, const DeployOptions& options) {
  const auto start = Clock::now();
  Report r;
  std::string cache_dir = options.cache_dir.empty() ? CacheDir() : options.cache_dir;

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
    r.deps_cached = built->cached;
    deps.emplace(std::move(built).value());
  }
  r.deps = MsSince(t);

  // pack
  t = Clock::now();
  auto tmp = ScopedTempDir::Create("aether-app");
  if (!tmp.ok()) return LocalFailure(tmp.status());
  artifact::IgnoreRules rules = artifact::IgnoreRules::WithDefaults();
  rules.AddPatterns(ReadIgnoreFile(dir));
  auto app_layer = artifact::PackTree(dir_str, rules, tmp->path() + "/app.tar.zst");
  if (!app_layer.ok()) return LocalFailure(app_layer.status());

  std::vector<artifact::Layer> layers;
  std::vector<LayerFile> packed;
  if (deps) {
    layers.push_back(artifact::Layer{deps->layer.digest, deps->layer.size,
                                     std::string(artifact::kLayerMediaType), "deps"});
    packed.push_back({&deps->layer, "deps"});
  }
  layers.push_back(artifact::Layer{app_layer->digest, app_layer->size,
                                   std::string(artifact::kLayerMediaType), "app"});
  packed.push_back({&app_layer.value(), "app"});
  r.layers = static_cast<int>(layers.size());
  std::string manifest =
      artifact::SerializeManifest(BuildManifest(r.app, *project, platform, *node, layers));
  r.artifact = crypto::Sha256Digest(manifest).str();
  r.pack = MsSince(t);
  out.Line("Deploying " + out.Bold(r.app) + " (" + r.artifact.substr(0, 15) + "…)");

  // upload
  t = Clock::now();
  if (Status st = EnsureApp(api, r.app, &r.created_app); !st.ok()) return ServerFailure(st);
  if (r.created_app) out.Line("  created app " + r.app);
  auto uploaded = UploadLayers(api, out, packed);
  if (!uploaded.ok()) return ServerFailure(uploaded.status());
  r.upload = *uploaded;
  r.upload_ms = MsSince(t);

  // register
  t = Clock::now();
  auto registered = api.RegisterManifest(r.app, manifest);
  if (!registered.ok()) return ServerFailure(registered.status());
  if (!registered->empty() && *registered != r.artifact) {
    return ServerFailure(Internal("the server registered the manifest as " + *registered +
                                  ", expected " + r.artifact));
  }
  r.register_ms = MsSince(t);

  // rollout
  t = Clock::now();
  auto created = api.CreateDeployment(r.app, r.artifact);
  if (!created.ok()) return ServerFailure(created.status());
  r.deployment = created->id;
  r.status = created->status;
  r.url = created->url;
  Status rollout = Status::Ok();
  if (options.wait) {
    auto done = WaitForRollout(api, created->id, options.poll_interval, options.rollout_timeout);
    if (!done.ok()) return ServerFailure(done.status());
    r.status = done->status;
    r.reason = done->reason;
    if (!done->url.empty()) r.url = done->url;
    r.server_phases = done->phases;
    rollout = RolloutStatus(*done);
  }
  r.rollout = MsSince(t);
  r.total = MsSince(start);
  PrintSummary(out, r);
  if (!rollout.ok()) return ServerFailure(rollout);
  return Outcome::Ok();
}

}  // namespace aether::cli
