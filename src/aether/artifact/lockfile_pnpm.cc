// ParsePnpmLock: pnpm-lock.yaml lockfileVersion 5.x ("/name/1.0.0" keys), 6.0 ("/name@1.0.0")
// and 9.0 ("name@1.0.0", dependencies under "snapshots"). yaml-cpp exceptions are caught here.
// Stateless; thread-safe.
#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "aether/artifact/lockfile.h"
#include "aether/artifact/lockfile_internal.h"

namespace aether::artifact {
namespace {

using lockfile_internal::DepKind;
using lockfile_internal::GraphBuilder;

constexpr std::string_view kLockfile = "pnpm-lock.yaml";

std::string Scalar(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

class Keys {
 public:
  explicit Keys(int major) : major_(major) {}

  // The packages/snapshots key a dependency `name: ref` points at; "" for links.
  std::string Of(const std::string& name, const std::string& ref) const {
    if (ref.starts_with("link:")) return "";
    if (ref.starts_with('/') || ref.find(':') != std::string::npos) return ref;
    if (major_ >= 9) {
      std::string_view plain = std::string_view(ref).substr(0, ref.find('('));
      if (plain.find('@', 1) != std::string_view::npos) return ref;  // alias: "real@1.0.0"
      return name + "@" + ref;
    }
    return "/" + name + (major_ == 5 ? "/" : "@") + ref;
  }

  // "/@s/n/1.0.0_peer" (5.x), "/@s/n@1.0.0(peer@1)" (6.0), "@s/n@1.0.0(peer@1)" (9.0).
  void Split(std::string_view key, std::string* name, std::string* version) const {
    if (key.starts_with('/')) key.remove_prefix(1);
    size_t sep = std::string_view::npos;
    if (major_ == 5) {
      sep = key.find('/', key.starts_with('@') ? key.find('/') + 1 : 0);
      if (sep != std::string_view::npos) {
        *name = key.substr(0, sep);
        *version = key.substr(sep + 1, key.find('_', sep) - sep - 1);
        return;
      }
    }
    key = key.substr(0, key.find('('));
    sep = key.rfind('@');
    if (sep == 0 || sep == std::string_view::npos) {
      *name = key;
      return;
    }
    *name = key.substr(0, sep);
    *version = key.substr(sep + 1);
  }

  // The graph id of a key: without the leading '/', and "name@rest" for 5.x keys.
  std::string Id(std::string_view key) const {
    if (key.starts_with('/')) key.remove_prefix(1);
    std::string id(key);
    if (major_ == 5 && id.find(':') == std::string::npos) {
      size_t sep = id.find('/', id.starts_with('@') ? id.find('/') + 1 : 0);
      if (sep != std::string::npos) id[sep] = '@';
    }
    return id;
  }

 private:
  int major_;
};

// A dependency map's reference: 5.x "1.0.0", 6.0/9.0 {specifier, version} or a plain string.
std::string RefOf(const YAML::Node& v) {
  if (v.IsScalar()) return v.as<std::string>();
  return v.IsMap() ? Scalar(v, "version") : "";
}

void AddEdges(GraphBuilder& b, const Keys& keys, const std::string& from, const YAML::Node& n,
              bool with_dev) {
  const std::pair<const char*, DepKind> kSections[] = {{"dependencies", DepKind::kProd},
                                                       {"optionalDependencies", DepKind::kOptional},
                                                       {"devDependencies", DepKind::kDev}};
  for (const auto& [section, kind] : kSections) {
    if (kind == DepKind::kDev && !with_dev) continue;
    const YAML::Node deps = n[section];
    if (!deps || !deps.IsMap()) continue;
    for (const auto& dep : deps) {
      std::string key = keys.Of(dep.first.as<std::string>(), RefOf(dep.second));
      if (!key.empty()) b.AddEdge(from, keys.Id(key), kind);
    }
  }
}

Result<LockGraph> Parse(const YAML::Node& doc) {
  if (!doc.IsMap()) return lockfile_internal::Malformed(kLockfile, "not a YAML map");
  std::string version = Scalar(doc, "lockfileVersion");
  int major = version.empty() ? 0 : std::atoi(version.c_str());
  if (major < 5 || major > 9) {
    return lockfile_internal::Malformed(
        kLockfile, "unsupported lockfileVersion '" + version + "' (want 5.x, 6.0 or 9.0)");
  }
  Keys keys(major);
  const YAML::Node packages = doc["packages"];
  const YAML::Node snapshots = doc["snapshots"];
  if (packages && !packages.IsMap()) {
    return lockfile_internal::Malformed(kLockfile, "\"packages\" must be a map");
  }
  // 9.0 lists installed instances under "snapshots" and their metadata under "packages".
  const YAML::Node instances = major >= 9 && snapshots && snapshots.IsMap() ? snapshots : packages;
  GraphBuilder b{std::string(kLockfile)};
  if (instances) {
    for (const auto& kv : instances) {
      std::string key = kv.first.as<std::string>();
      LockedPackage p;
      p.id = keys.Id(key);
      keys.Split(key, &p.name, &p.version);
      // (Copy-constructed, never assigned: assigning a YAML::Node writes into the document.)
      const YAML::Node info = packages ? packages[key.substr(0, key.find('('))] : kv.second;
      const YAML::Node meta = major >= 9 && info ? info : kv.second;
      if (meta && meta.IsMap()) {
        if (!Scalar(meta, "name").empty()) p.name = Scalar(meta, "name");
        if (!Scalar(meta, "version").empty()) p.version = Scalar(meta, "version");
        const YAML::Node resolution = meta["resolution"];
        if (resolution && resolution.IsMap()) {
          p.integrity = Scalar(resolution, "integrity");
          p.resolved = Scalar(resolution, "tarball");
        }
      }
      b.Add(std::move(p));
      if (kv.second.IsMap()) AddEdges(b, keys, keys.Id(key), kv.second, false);
    }
  }
  const YAML::Node importers = doc["importers"];
  const YAML::Node root = importers && importers["."] ? importers["."] : doc;
  AddEdges(b, keys, "", root, true);
  return b.Finish(/*compute_flags=*/true);
}

}  // namespace

Result<LockGraph> ParsePnpmLock(std::string_view text) {
  try {
    return Parse(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& ex) {
    return lockfile_internal::Malformed(kLockfile, std::string("invalid YAML: ") + ex.what());
  }
}

}  // namespace aether::artifact
