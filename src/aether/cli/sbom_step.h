// The SBOM step of `aether deploy`: reads a project's package.json and lockfile and renders its
// SBOM (CycloneDX 1.5 by default, or the legacy aether-sbom/v1 with --legacy-sbom).
// Stateless free function; thread-safe.
#pragma once

#include <string>

#include "aether/artifact/sbom.h"
#include "aether/core/status.h"

namespace aether::cli {

enum class SbomFormat { kCycloneDx, kLegacy };

// The SBOM of DIR's production dependencies, from DIR/`lockfile` ("package-lock.json",
// "yarn.lock"…). `subject.package_name`/`package_version` default to package.json's.
// kFailedPrecondition when `lockfile` is "" (no lockfile: nothing says what gets installed) or
// a file is missing; kInvalidArgument, naming the file, when one is malformed.
Result<std::string> BuildProjectSbom(const std::string& dir, const std::string& lockfile,
                                     SbomFormat format, const artifact::SbomSubject& subject);

}  // namespace aether::cli
