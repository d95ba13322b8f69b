// ParseNpmLock: package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 and 3.
// Stateless; thread-safe. nlohmann is used without exceptions (parse errors are values).
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "aether/artifact/lockfile.h"
#include "aether/artifact/lockfile_internal.h"

namespace aether::artifact {
namespace {

using lockfile_internal::DepKind;
using lockfile_internal::GraphBuilder;
using nlohmann::json;

constexpr std::string_view kLockfile = "package-lock.json";
constexpr std::string_view kNodeModules = "node_modules/";

std::string StringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

bool TrueField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

// Install paths, and `link` entries (path → target path), known so far.
struct Paths {
  const GraphBuilder* builder = nullptr;
  std::map<std::string, std::string> links;

  // The id a package at `from` gets for `dep`, the way Node resolves it: `from`'s own
  // node_modules, then every enclosing node_modules up to the root. "" when not installed.
  std::string Resolve(const std::string& from, const std::string& dep) const {
    std::vector<std::string> candidates;
    candidates.push_back(from.empty() ? std::string(kNodeModules) + dep
                                      : from + "/" + std::string(kNodeModules) + dep);
    bool reached_root = false;
    for (size_t i = from.size(); i-- > 0;) {
      if (from.compare(i, kNodeModules.size(), kNodeModules) != 0) continue;
      if (i != 0 && from[i - 1] != '/') continue;
      candidates.push_back(from.substr(0, i) + std::string(kNodeModules) + dep);
      reached_root = reached_root || i == 0;
    }
    if (!reached_root && !from.empty()) candidates.push_back(std::string(kNodeModules) + dep);
    for (const std::string& c : candidates) {
      if (builder->Has(c)) return c;
      auto link = links.find(c);
      if (link != links.end()) return builder->Has(link->second) ? link->second : "";
    }
    return "";
  }
};

// The package name an install path implies: what follows the last "node_modules/".
std::string NameFromPath(const std::string& path) {
  size_t at = path.rfind(kNodeModules);
  if (at != std::string::npos) return path.substr(at + kNodeModules.size());
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void AddDeps(GraphBuilder& b, const Paths& paths, const std::string& id, const json& entry,
             bool with_dev) {
  const std::pair<const char*, DepKind> kSections[] = {{"dependencies", DepKind::kProd},
                                                       {"optionalDependencies", DepKind::kOptional},
                                                       {"peerDependencies", DepKind::kPeer},
                                                       {"devDependencies", DepKind::kDev}};
  for (const auto& [key, kind] : kSections) {
    if (kind == DepKind::kDev && !with_dev) continue;
    auto it = entry.find(key);
    if (it == entry.end() || !it->is_object()) continue;
    for (const auto& [dep, range] : it->items()) {
      std::string to = paths.Resolve(id, dep);
      if (!to.empty()) b.AddEdge(id, to, kind);
    }
  }
}

// v2/v3: "packages" keyed by install path, "" being the root project.
Result<LockGraph> ParsePackages(const json& packages) {
  GraphBuilder b{std::string(kLockfile)};
  Paths paths{&b, {}};
  for (const auto& [path, entry] : packages.items()) {
    if (!entry.is_object()) return lockfile_internal::Malformed(kLockfile, path + " not an object");
    if (path.empty()) continue;
    if (TrueField(entry, "link")) {
      paths.links[path] = StringField(entry, "resolved");
      continue;
    }
    LockedPackage p;
    p.id = path;
    p.name = StringField(entry, "name");
    if (p.name.empty()) p.name = NameFromPath(path);
    p.version = StringField(entry, "version");
    p.integrity = StringField(entry, "integrity");
    p.resolved = StringField(entry, "resolved");
    p.dev = TrueField(entry, "dev");
    // "devOptional": needed by a dev path and an optional path, so a production install keeps
    // it as an optional dependency.
    p.optional = !p.dev && (TrueField(entry, "optional") || TrueField(entry, "devOptional"));
    b.Add(std::move(p));
  }
  for (const auto& [path, entry] : packages.items()) {
    if (path.empty() || b.Has(path)) AddDeps(b, paths, path, entry, path.empty());
  }
  if (!packages.contains("")) {  // no root entry: every top-level package is a root dep
    for (const auto& [path, entry] : packages.items()) {
      if (path.starts_with(kNodeModules) &&
          path.find(kNodeModules, kNodeModules.size()) == std::string::npos) {
        std::string to = paths.Resolve("", path.substr(kNodeModules.size()));
        if (!to.empty()) b.AddEdge("", to, DepKind::kProd);
      }
    }
  }
  return b.Finish(/*compute_flags=*/false);
}

// v1: nested "dependencies"; each entry's "requires" names what it depends on.
Status CollectV1(GraphBuilder& b, const json& deps, const std::string& parent,
                 std::vector<std::pair<std::string, const json*>>* entries) {
  for (const auto& [name, entry] : deps.items()) {
    std::string id = (parent.empty() ? "" : parent + "/") + std::string(kNodeModules) + name;
    if (!entry.is_object()) return lockfile_internal::Malformed(kLockfile, id + " not an object");
    LockedPackage p;
    p.id = id;
    p.name = name;
    p.version = StringField(entry, "version");
    if (p.version.starts_with("npm:")) {  // alias: "npm:real-name@1.2.3"
      std::string spec = p.version.substr(4);
      p.name = std::string(lockfile_internal::NameOfSpec(spec));
      p.version = spec.size() > p.name.size() ? spec.substr(p.name.size() + 1) : "";
    }
    p.integrity = StringField(entry, "integrity");
    p.resolved = StringField(entry, "resolved");
    p.dev = TrueField(entry, "dev");
    p.optional = !p.dev && TrueField(entry, "optional");
    b.Add(std::move(p));
    entries->emplace_back(id, &entry);
    auto nested = entry.find("dependencies");
    if (nested != entry.end() && nested->is_object()) {
      AETHER_RETURN_IF_ERROR(CollectV1(b, *nested, id, entries));
    }
  }
  return Status::Ok();
}

Result<LockGraph> ParseV1(const json& deps, std::string_view package_json) {
  GraphBuilder b{std::string(kLockfile)};
  Paths paths{&b, {}};
  std::vector<std::pair<std::string, const json*>> entries;
  AETHER_RETURN_IF_ERROR(CollectV1(b, deps, "", &entries));
  std::set<std::string> required;
  for (const auto& [id, entry] : entries) {
    auto requires_it = entry->find("requires");
    if (requires_it == entry->end() || !requires_it->is_object()) continue;
    for (const auto& [dep, range] : requires_it->items()) {
      std::string to = paths.Resolve(id, dep);
      if (to.empty()) continue;
      b.AddEdge(id, to, DepKind::kProd);
      required.insert(to);
    }
  }
  AETHER_ASSIGN_OR_RETURN(auto manifest,
                          lockfile_internal::ReadManifestDeps(kLockfile, package_json));
  for (size_t i = 0; i < manifest.entries.size(); ++i) {
    std::string to = paths.Resolve("", manifest.entries[i].first);
    if (!to.empty()) b.AddEdge("", to, manifest.kinds[i]);
  }
  if (package_json.empty()) {  // no manifest: the top-level packages nothing else requires
    for (const auto& [name, entry] : deps.items()) {
      std::string id = std::string(kNodeModules) + name;
      if (required.count(id) == 0) b.AddEdge("", id, DepKind::kProd);
    }
  }
  return b.Finish(/*compute_flags=*/false);
}

}  // namespace

Result<LockGraph> ParseNpmLock(std::string_view text, std::string_view package_json) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return lockfile_internal::Malformed(kLockfile, "not a JSON object");
  }
  auto version = j.find("lockfileVersion");
  if (version == j.end() || !version->is_number_integer()) {
    return lockfile_internal::Malformed(kLockfile, "missing lockfileVersion");
  }
  int64_t v = version->get<int64_t>();
  if (v < 1 || v > 3) {
    return lockfile_internal::Malformed(
        kLockfile, "unsupported lockfileVersion " + std::to_string(v) + " (want 1, 2 or 3)");
  }
  auto packages = j.find("packages");
  if (v >= 2) {
    if (packages == j.end() || !packages->is_object()) {
      return lockfile_internal::Malformed(kLockfile, "\"packages\" must be an object");
    }
    return ParsePackages(*packages);
  }
  auto deps = j.find("dependencies");
  if (deps == j.end()) return ParseV1(json::object(), package_json);
  if (!deps->is_object()) {
    return lockfile_internal::Malformed(kLockfile, "\"dependencies\" must be an object");
  }
  return ParseV1(*deps, package_json);
}

}  // namespace aether::artifact
