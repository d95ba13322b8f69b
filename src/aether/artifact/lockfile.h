// Lockfile parsing: package-lock.json (v1–v3), yarn.lock (classic v1 and berry) and
// pnpm-lock.yaml (5.x, 6.0, 9.0) into one resolved package graph, the input of the SBOM.
// Owned by the artifact module. Value types and stateless free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"

namespace aether::artifact {

struct LockedPackage {
  // Unique key within the graph: the install path for npm ("node_modules/a/node_modules/b"),
  // "name@version" for yarn, the snapshot key for pnpm ("name@version" plus any peer suffix).
  std::string id;
  std::string name;                       // "@scope/pkg" or "pkg"
  std::string version;                    // "1.2.3"
  std::string integrity;                  // SRI, e.g. "sha512-…" ("" when absent)
  std::string resolved;                   // tarball URL ("" when absent)
  bool dev = false;                       // dev-only: not installed by a production install
  bool optional = false;                  // installed in production only as an optional dependency
  std::vector<std::string> dependencies;  // ids this package depends on (resolved), sorted
};

struct LockGraph {
  std::string lockfile;                        // "package-lock.json", "yarn.lock"…
  std::vector<std::string> root_dependencies;  // ids the root depends on (prod + dev), sorted
  std::vector<LockedPackage> packages;         // sorted by id
};

// lockfileVersion 1 (nested "dependencies") and 2/3 ("packages" keyed by install path; a
// dependency resolves the way Node does: the nearest node_modules up the path). Dev flags come
// from the file ("devOptional" counts as optional). `package_json` is only used by v1, whose
// lockfile does not say which packages the root depends on.
Result<LockGraph> ParseNpmLock(std::string_view text, std::string_view package_json = {});
// yarn classic (v1 text format) and yarn berry (YAML). package.json gives the root's deps.
Result<LockGraph> ParseYarnLock(std::string_view text, std::string_view package_json);
// pnpm-lock.yaml lockfileVersion 5.x / 6.0 / 9.0 (importers["."] or root-level deps).
Result<LockGraph> ParsePnpmLock(std::string_view text);
// Dispatches on the file name ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
// "pnpm-lock.yaml"); kInvalidArgument for other names. Malformed input is kInvalidArgument
// with a message that starts with the lockfile's name.
Result<LockGraph> ParseLockfile(const std::string& name, std::string_view text,
                                std::string_view package_json);

}  // namespace aether::artifact
