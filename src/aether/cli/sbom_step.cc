// BuildProjectSbom (see sbom_step.h): file reading around artifact::ParseLockfile and the
// SBOM renderers. Stateless; thread-safe.
#include "aether/cli/sbom_step.h"

#include <nlohmann/json.hpp>

#include "aether/artifact/lockfile.h"
#include "aether/core/files.h"

namespace aether::cli {
namespace {

Result<std::string> ReadProjectFile(const std::string& dir, const std::string& name) {
  auto text = ReadFile(dir + "/" + name);
  if (!text.ok())
    return FailedPrecondition("cannot build an SBOM: cannot read " + dir + "/" + name);
  return text;
}

}  // namespace

Result<std::string> BuildProjectSbom(const std::string& dir, const std::string& lockfile,
                                     SbomFormat format, const artifact::SbomSubject& subject) {
  if (lockfile.empty()) {
    return FailedPrecondition(
        "no lockfile: cannot build an SBOM; commit a lockfile or pass --no-sbom");
  }
  AETHER_ASSIGN_OR_RETURN(std::string package_json, ReadProjectFile(dir, "package.json"));
  nlohmann::json pkg = nlohmann::json::parse(package_json, nullptr, /*allow_exceptions=*/false);
  if (!pkg.is_object()) return InvalidArgument("package.json: not a JSON object");
  AETHER_ASSIGN_OR_RETURN(std::string lock_text, ReadProjectFile(dir, lockfile));
  AETHER_ASSIGN_OR_RETURN(artifact::LockGraph graph,
                          artifact::ParseLockfile(lockfile, lock_text, package_json));
  artifact::SbomSubject s = subject;
  auto field = [&](const char* key) {
    auto it = pkg.find(key);
    return it != pkg.end() && it->is_string() ? it->get<std::string>() : "";
  };
  if (s.package_name.empty()) s.package_name = field("name");
  if (s.package_version.empty()) s.package_version = field("version");
  return format == SbomFormat::kLegacy ? artifact::LegacySbom(graph, s)
                                       : artifact::CycloneDxSbom(graph, s);
}

}  // namespace aether::cli
