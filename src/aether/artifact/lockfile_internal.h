// Internal to the lockfile parsers (lockfile_*.cc): a builder that collects packages and typed
// dependency edges and produces a sorted LockGraph, computing dev/optional flags from
// reachability when the format does not record them. One builder per parse; not thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aether/artifact/lockfile.h"
#include "aether/core/status.h"

namespace aether::artifact::lockfile_internal {

enum class DepKind { kProd, kOptional, kPeer, kDev };

// "<lockfile>: <what>" as kInvalidArgument.
Status Malformed(std::string_view lockfile, std::string_view what);

// "@scope/pkg@^1.2" → "@scope/pkg"; "pkg@1" → "pkg"; no version part → the whole text.
std::string_view NameOfSpec(std::string_view spec);

// A package.json's dependency sections; empty when `package_json` is empty.
struct ManifestDeps {
  std::vector<std::pair<std::string, std::string>> entries;  // name → range
  std::vector<DepKind> kinds;                                // parallel to `entries`
};
Result<ManifestDeps> ReadManifestDeps(std::string_view lockfile, std::string_view package_json);

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string lockfile) : lockfile_(std::move(lockfile)) {}

  // Adds a package unless its id is present; returns the stored one.
  LockedPackage& Add(LockedPackage p);
  bool Has(const std::string& id) const { return packages_.count(id) != 0; }
  // An edge from package `from` ("" = the root) to `to`. Unknown ids are ignored at Finish.
  void AddEdge(const std::string& from, const std::string& to, DepKind kind);
  // Sorted graph. With `compute_flags`, dev = unreachable from the root's non-dev deps and
  // optional = reachable but only through an optional edge; otherwise the flags are kept.
  LockGraph Finish(bool compute_flags);

 private:
  struct Edge {
    std::string to;
    DepKind kind;
  };
  std::string lockfile_;
  std::map<std::string, LockedPackage> packages_;
  std::map<std::string, std::vector<Edge>> edges_;  // "" = root
};

}  // namespace aether::artifact::lockfile_internal
