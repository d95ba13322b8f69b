// Lockfile dispatch and the graph builder shared by the npm, yarn and pnpm parsers
// (lockfile_npm.cc, lockfile_yarn.cc, lockfile_pnpm.cc). Stateless; thread-safe.
#include "aether/artifact/lockfile.h"

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>

#include "aether/artifact/lockfile_internal.h"

namespace aether::artifact {
namespace lockfile_internal {

Status Malformed(std::string_view lockfile, std::string_view what) {
  return InvalidArgument(std::string(lockfile) + ": " + std::string(what));
}

std::string_view NameOfSpec(std::string_view spec) {
  size_t at = spec.find('@', spec.starts_with('@') ? 1 : 0);
  return at == std::string_view::npos ? spec : spec.substr(0, at);
}

Result<ManifestDeps> ReadManifestDeps(std::string_view lockfile, std::string_view package_json) {
  ManifestDeps out;
  if (package_json.empty()) return out;
  nlohmann::json j = nlohmann::json::parse(package_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Malformed(lockfile, "package.json is not a JSON object");
  }
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto section = [&](const char* key) -> const nlohmann::json& {
    auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : kEmpty;
  };
  const nlohmann::json& optional = section("optionalDependencies");
  const std::pair<const char*, DepKind> kSections[] = {{"dependencies", DepKind::kProd},
                                                       {"optionalDependencies", DepKind::kOptional},
                                                       {"peerDependencies", DepKind::kPeer},
                                                       {"devDependencies", DepKind::kDev}};
  for (const auto& [key, kind] : kSections) {
    for (const auto& [name, range] : section(key).items()) {
      // npm: an optionalDependencies entry overrides the same name in dependencies.
      if (kind == DepKind::kProd && optional.contains(name)) continue;
      out.entries.emplace_back(name, range.is_string() ? range.get<std::string>() : "");
      out.kinds.push_back(kind);
    }
  }
  return out;
}

LockedPackage& GraphBuilder::Add(LockedPackage p) {
  auto it = packages_.find(p.id);
  if (it != packages_.end()) return it->second;
  std::string id = p.id;
  return packages_.emplace(std::move(id), std::move(p)).first->second;
}

void GraphBuilder::AddEdge(const std::string& from, const std::string& to, DepKind kind) {
  edges_[from].push_back(Edge{to, kind});
}

LockGraph GraphBuilder::Finish(bool compute_flags) {
  auto targets = [&](const std::string& from) {
    std::set<std::string> ids;
    auto it = edges_.find(from);
    if (it == edges_.end()) return std::vector<std::string>();
    for (const Edge& e : it->second) {
      if (e.to != from && packages_.count(e.to) != 0) ids.insert(e.to);
    }
    return std::vector<std::string>(ids.begin(), ids.end());
  };
  if (compute_flags) {
    // Breadth-first from the root's edges accepted by `root_ok`, following edges `edge_ok`.
    auto reach = [&](auto root_ok, auto edge_ok) {
      std::set<std::string> seen;
      std::deque<std::string> queue;
      auto visit = [&](const Edge& e, bool ok) {
        if (ok && packages_.count(e.to) != 0 && seen.insert(e.to).second) queue.push_back(e.to);
      };
      for (const Edge& e : edges_[""]) visit(e, root_ok(e.kind));
      while (!queue.empty()) {
        std::string id = std::move(queue.front());
        queue.pop_front();
        auto it = edges_.find(id);
        if (it == edges_.end()) continue;
        for (const Edge& e : it->second) visit(e, edge_ok(e.kind));
      }
      return seen;
    };
    std::set<std::string> prod = reach([](DepKind k) { return k != DepKind::kDev; },
                                       [](DepKind k) { return k != DepKind::kDev; });
    auto required_edge = [](DepKind k) { return k == DepKind::kProd || k == DepKind::kPeer; };
    std::set<std::string> required = reach(required_edge, required_edge);
    for (auto& [id, p] : packages_) {
      p.dev = prod.count(id) == 0;
      p.optional = !p.dev && required.count(id) == 0;
    }
  }
  LockGraph graph;
  graph.lockfile = lockfile_;
  graph.root_dependencies = targets("");
  graph.packages.reserve(packages_.size());
  for (auto& [id, p] : packages_) {
    p.dependencies = targets(id);
    graph.packages.push_back(std::move(p));
  }
  packages_.clear();
  return graph;
}

}  // namespace lockfile_internal

Result<LockGraph> ParseLockfile(const std::string& name, std::string_view text,
                                std::string_view package_json) {
  if (name == "package-lock.json" || name == "npm-shrinkwrap.json") {
    AETHER_ASSIGN_OR_RETURN(LockGraph graph, ParseNpmLock(text, package_json));
    graph.lockfile = name;
    return graph;
  }
  if (name == "yarn.lock") return ParseYarnLock(text, package_json);
  if (name == "pnpm-lock.yaml") return ParsePnpmLock(text);
  return InvalidArgument("unsupported lockfile '" + name +
                         "' (want package-lock.json, npm-shrinkwrap.json, yarn.lock or "
                         "pnpm-lock.yaml)");
}

}  // namespace aether::artifact
