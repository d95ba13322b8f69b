// SBOMs of an app's production dependencies, built from its LockGraph: CycloneDX 1.5 JSON (the
// default) or the simple internal "aether-sbom/v1" format; and CheckSbom, the control plane's
// check that an uploaded SBOM is about the artifact it comes with. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/artifact/lockfile.h"
#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::artifact {

struct SbomSubject {
  std::string app;              // the Aether app name
  std::string package_name;     // package.json "name" ("" when none)
  std::string package_version;  // package.json "version" ("" when none)
  std::string artifact_digest;  // "sha256:…", or "" when not known yet
  std::string tool_version;     // aether-cli version, e.g. "0.1.0"
};

// CycloneDX 1.5 JSON of the non-dev packages: a random urn:uuid serial number, the app as
// metadata.component (with the artifact digest as a SHA-256 hash and an
// "aether:artifact-digest" property when a valid digest is given), one library component per
// name@version (bom-ref = purl, "@scope" as group, hashes from the SRI integrity, the tarball URL
// as a distribution reference) and the dependency graph. Sorted; only serialNumber and
// metadata.timestamp differ between two runs.
std::string CycloneDxSbom(const LockGraph& graph, const SbomSubject& subject);

// {"app","artifact","format":"aether-sbom/v1","lockfile","packages":[{"integrity","name",
// "version"}]}: non-dev packages, one per name@version, sorted. Compact canonical JSON.
std::string LegacySbom(const LockGraph& graph, const SbomSubject& subject);

// "pkg:npm/%40scope/name@1.0.0" (purl-spec encoding; npm names lowercased).
std::string NpmPurl(std::string_view name, std::string_view version);

// Ok when `json` is a CycloneDX 1.5 or aether-sbom/v1 document that names `artifact`
// (CycloneDX: metadata.component SHA-256 hash or "aether:artifact-digest" property; legacy:
// "artifact") and names no other digest; kSbomInvalid with the reason otherwise.
Status CheckSbom(std::string_view json, const Digest& artifact);

}  // namespace aether::artifact
