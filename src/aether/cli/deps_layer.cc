// Deps layer: cache key, staging install via the package manager, pack into the cache.
#include "aether/cli/deps_layer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aether/cli/process.h"
#include "aether/cli/temp_dir.h"
#include "aether/crypto/crypto.h"

namespace aether::cli {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Bumped whenever the layer bytes or the cache entry change shape: older entries are never
// looked up again (the key covers it) and are left for the cache's owner to prune.
constexpr std::string_view kCacheFormat = "deps-layer/2";

// The cache entry beside <key>.tar.zst: what PackTree reported, so that a hit yields the same
// manifest as a fresh pack. Entries are [path, size, mode, sha256] arrays to keep it small.
nlohmann::json CacheEntryJson(const artifact::PackedLayer& l, const std::string& install,
                              const std::string& node_version) {
  using nlohmann::json;
  json entries = json::array();
  for (const auto& f : l.entries)
    entries.push_back(json::array({f.path, f.size, f.mode, f.sha256}));
  json addons = json::array();
  for (const auto& a : l.native_addons) {
    addons.push_back({{"path", a.path},
                      {"os", a.os},
                      {"arch", a.arch},
                      {"libc", a.libc},
                      {"napi", a.napi},
                      {"node_abi", a.node_abi}});
  }
  return {{"digest", l.digest.str()}, {"size", l.size},          {"files", l.files},
          {"raw_bytes", l.raw_bytes}, {"install", install},      {"node", node_version},
          {"entries", entries},       {"native_addons", addons}, {"gyp_packages", l.gyp_packages}};
}

Result<DepsLayer> LoadCached(const std::string& meta_path, const std::string& tar_path) {
  std::ifstream in(meta_path);
  if (!in) return NotFound("no cache entry");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  try {
    if (!j.is_object()) return NotFound("bad cache entry");
    auto digest = Digest::Parse(j.at("digest").get<std::string>());
    if (!digest.ok()) return NotFound("bad cache entry");
    std::error_code ec;
    auto size = static_cast<int64_t>(fs::file_size(tar_path, ec));
    if (ec || size != j.at("size").get<int64_t>()) return NotFound("stale cache entry");
    artifact::PackedLayer l{*digest, size, j.at("files").get<int64_t>(),
                            j.at("raw_bytes").get<int64_t>(), tar_path};
    for (const auto& e : j.value("entries", nlohmann::json::array())) {
      l.entries.push_back(artifact::FileEntry{e.at(0).get<std::string>(), e.at(1).get<int64_t>(),
                                              e.at(2).get<uint32_t>(), e.at(3).get<std::string>()});
    }
    for (const auto& a : j.value("native_addons", nlohmann::json::array())) {
      l.native_addons.push_back(
          artifact::NativeAddon{a.at("path").get<std::string>(), a.at("os").get<std::string>(),
                                a.at("arch").get<std::string>(), a.at("libc").get<std::string>(),
                                a.at("napi").get<bool>(), a.at("node_abi").get<std::string>()});
    }
    l.gyp_packages = j.value("gyp_packages", std::vector<std::string>());
    return DepsLayer{std::move(l), true, ""};
  } catch (const nlohmann::json::exception&) {
    return NotFound("bad cache entry");
  }
}

Status WriteAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text) || !out.flush()) return Internal("cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Internal("cannot write " + path + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

std::string DepsCacheKey(const DepsKeyInput& in) {
  crypto::Sha256 h;
  h.Update(kCacheFormat);
  for (const std::string* field : {&in.lockfile_bytes, &in.dependencies_json, &in.node_major,
                                   &in.os, &in.arch, &in.libc, &in.install_flags}) {
    h.Update(std::to_string(field->size()) + ":");
    h.Update(*field);
  }
  return h.FinishHex();
}

std::vector<std::string> InstallCommand(PackageManager pm, bool has_lockfile) {
  switch (pm) {
    case PackageManager::kYarn:
      return {"yarn",    "install", "--production", "--frozen-lockfile", "--non-interactive",
              "--silent"};
    case PackageManager::kPnpm:
      return {"pnpm", "install", "--prod", "--frozen-lockfile", "--reporter=silent"};
    case PackageManager::kNpm:
      break;
  }
  return {"npm",
          has_lockfile ? "ci" : "install",
          "--omit=dev",
          "--no-audit",
          "--no-fund",
          "--prefer-offline",
          "--loglevel=error"};
}

Result<DepsLayer> BuildDepsLayer(const Project& project, const LocalNode& node,
                                 const HostPlatform& platform, const std::string& cache_dir) {
  fs::path src(project.dir);
  std::vector<std::string> argv = InstallCommand(project.manager, !project.lockfile.empty());
  DepsKeyInput key_in;
  if (!project.lockfile.empty()) key_in.lockfile_bytes = ReadFile(src / project.lockfile);
  key_in.dependencies_json = project.dependencies_json;
  key_in.node_major = node.major;
  key_in.os = platform.os;
  key_in.arch = platform.arch;
  key_in.libc = platform.libc;
  key_in.install_flags = Join(argv);
  std::string key = DepsCacheKey(key_in);

  std::string dir = cache_dir + "/deps";
  std::string tar_path = dir + "/" + key + ".tar.zst";
  std::string meta_path = dir + "/" + key + ".json";
  if (auto hit = LoadCached(meta_path, tar_path); hit.ok()) {
    hit->key = key;
    return hit;
  }

  if (FindOnPath(argv[0]).empty()) {
    return FailedPrecondition(
        std::string(project.lockfile.empty() ? "" : project.lockfile + " needs ") + argv[0] +
        ", which is not on PATH: install it to deploy this app");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return FailedPrecondition("cannot create cache " + dir + ": " + ec.message());

  AETHER_ASSIGN_OR_RETURN(ScopedTempDir staging, ScopedTempDir::Create("aether-deps"));
  const std::string& stage = staging.path();
  for (const char* f : {"package.json", ".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml",
                        ".pnpmfile.cjs"}) {
    if (!fs::is_regular_file(src / f, ec)) continue;
    fs::copy_file(src / f, fs::path(stage) / f, ec);
    if (ec) return Internal(std::string("cannot copy ") + f + ": " + ec.message());
  }
  if (!project.lockfile.empty()) {
    fs::copy_file(src / project.lockfile, fs::path(stage) / project.lockfile, ec);
    if (ec) return Internal("cannot copy " + project.lockfile + ": " + ec.message());
  }

  AETHER_ASSIGN_OR_RETURN(ProcessResult run, RunCapture(argv, staging.path()));
  if (run.exit_code != 0) {
    return FailedPrecondition(argv[0] + " " + argv[1] + " failed (exit " +
                              std::to_string(run.exit_code) + "): " + LastLines(run.output, 4));
  }
  std::string modules = staging.path() + "/node_modules";
  if (!fs::is_directory(modules, ec)) {
    return Internal(Join(argv) + " produced no node_modules directory");
  }

  std::string tmp_tar = dir + "/" + key + ".tar.zst.tmp" + std::to_string(::getpid());
  artifact::PackOptions options;
  options.prefix = "node_modules";
  auto packed = artifact::PackTree(modules, artifact::IgnoreRules(), tmp_tar, options);
  if (!packed.ok()) {
    fs::remove(tmp_tar, ec);
    return packed.status();
  }
  fs::rename(tmp_tar, tar_path, ec);
  if (ec) {
    fs::remove(tmp_tar, ec);
    return Internal("cannot write " + tar_path + ": " + ec.message());
  }
  packed->path = tar_path;
  nlohmann::json meta = CacheEntryJson(*packed, Join(argv), node.version);
  AETHER_RETURN_IF_ERROR(WriteAtomically(meta_path, meta.dump() + "\n"));
  return DepsLayer{std::move(packed).value(), false, key};
}

}  // namespace aether::cli
