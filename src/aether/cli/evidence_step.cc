// BuildEvidence: SBOM, signature, provenance. Provenance runs git, which can hang on a
// broken repository or a network filesystem, so it runs on its own thread under a deadline.
#include "aether/cli/evidence_step.h"

#include <cstdlib>
#include <future>
#include <memory>
#include <thread>

#include "aether/artifact/provenance.h"
#include "aether/artifact/sbom.h"
#include "aether/artifact/signature.h"
#include "aether/cli/config.h"
#include "aether/cli/git_info.h"
#include "aether/cli/keys.h"
#include "aether/cli/sbom_step.h"
#include "aether/core/clock.h"
#include "aether/core/files.h"
#include "aether/core/names.h"
#include "aether/crypto/crypto.h"

namespace aether::cli {
namespace {

using Clock = SteadyClock;

Result<std::string> SignedProvenance(const Project& project, const std::string& app,
                                     const Digest& artifact, const HostPlatform& platform,
                                     const LocalNode& node, const std::string& started_on,
                                     const std::string& key) {
  artifact::ProvenanceInput in;
  in.artifact = artifact;
  in.app = app;
  in.lockfile_name = project.lockfile;
  if (!project.lockfile.empty()) {
    AETHER_ASSIGN_OR_RETURN(Digest lock, crypto::Sha256File(project.dir + "/" + project.lockfile));
    in.lockfile_sha256_hex = std::string(lock.hex());
  }
  AETHER_ASSIGN_OR_RETURN(GitInfo git, ReadGitInfo(project.dir));
  in.in_git = git.in_repo;
  in.git_commit = git.commit;
  in.git_dirty = git.dirty;
  in.git_remote = git.remote;
  in.builder_version = std::string(kCliVersion);
  in.os = platform.os;
  in.arch = platform.arch;
  in.libc = platform.libc;
  in.node_abi = node.abi;
  in.node_version = node.version;
  in.package_manager = std::string(PackageManagerName(project.manager));
  in.started_on = started_on;
  in.finished_on = NowRfc3339();
  in.invocation_id = crypto::RandomHex(16);
  return artifact::SignProvenance(in, key);
}

// Runs SignedProvenance with a deadline. On timeout the worker is left to finish on its own
// (it only reads and computes); its result is dropped.
Result<std::string> ProvenanceWithDeadline(const Project& project, const std::string& app,
                                           const Digest& artifact, const HostPlatform& platform,
                                           const LocalNode& node, const EvidenceOptions& options,
                                           const std::string& key) {
  auto task = std::make_shared<std::packaged_task<Result<std::string>()>>(
      [project, app, artifact, platform, node, started = options.started_on, key] {
        return SignedProvenance(project, app, artifact, platform, node, started, key);
      });
  std::future<Result<std::string>> result = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (result.wait_for(options.provenance_timeout) != std::future_status::ready) {
    return Status(ErrorCode::kTimeout, "provenance was not ready within " +
                                           std::to_string(options.provenance_timeout.count()) +
                                           " ms (AETHER_PROVENANCE_TIMEOUT_MS)");
  }
  return result.get();
}

}  // namespace

Status ReadProvenanceEnvironment(EvidenceOptions* options) {
  if (const char* v = std::getenv("AETHER_REQUIRE_PROVENANCE"); v != nullptr) {
    std::string s(v);
    options->require_provenance = s == "1" || s == "true" || s == "yes" || s == "on";
  }
  if (const char* v = std::getenv("AETHER_PROVENANCE_TIMEOUT_MS"); v != nullptr && *v != '\0') {
    char* end = nullptr;
    long long ms = std::strtoll(v, &end, 10);
    if (*end != '\0' || ms <= 0) {
      return InvalidArgument(std::string("AETHER_PROVENANCE_TIMEOUT_MS must be a positive "
                                         "number of milliseconds, not '") +
                             v + "'");
    }
    options->provenance_timeout = std::chrono::milliseconds(ms);
  }
  return Status::Ok();
}

Result<Evidence> BuildEvidence(const Project& project, const std::string& app,
                               const Digest& artifact, const HostPlatform& platform,
                               const LocalNode& node, const EvidenceOptions& options,
                               const std::string& out_dir) {
  Evidence e;
  auto t = Clock::now();
  if (options.sbom && project.lockfile.empty() && project.has_dependencies) {
    e.sbom_note = "no lockfile, so nothing says which versions get installed";
  } else if (options.sbom) {
    artifact::SbomSubject subject{app, project.package_name, project.package_version,
                                  artifact.str(), std::string(kCliVersion)};
    if (project.lockfile.empty()) {  // no dependencies: the SBOM lists the app alone
      e.sbom = options.legacy_sbom ? artifact::LegacySbom({}, subject)
                                   : artifact::CycloneDxSbom({}, subject);
    } else {
      AETHER_ASSIGN_OR_RETURN(
          e.sbom, BuildProjectSbom(
                      project.dir, project.lockfile,
                      options.legacy_sbom ? SbomFormat::kLegacy : SbomFormat::kCycloneDx, subject));
    }
    e.sbom_path = out_dir + (options.legacy_sbom ? "/sbom.aether.json" : "/sbom.cdx.json");
    AETHER_RETURN_IF_ERROR(WriteFileAtomic(e.sbom_path, e.sbom, 0644));
  }
  e.sbom_ms = MsSince(t);

  if (options.sign_key.empty()) {
    e.provenance_note = "no signing key";
    if (options.require_provenance) {
      return FailedPrecondition(
          "AETHER_REQUIRE_PROVENANCE is set but there is no signing key to sign the provenance: "
          "pass --sign-key or set AETHER_SIGNING_KEY (create one with `aether keys generate`)");
    }
    return e;
  }
  t = Clock::now();
  AETHER_ASSIGN_OR_RETURN(std::string key, LoadPrivateKey(options.sign_key));
  AETHER_ASSIGN_OR_RETURN(artifact::ArtifactSignature sig, artifact::SignArtifact(artifact, key));
  e.keyid = sig.keyid;
  e.signature = artifact::SignatureJson(sig);
  e.signature_path = out_dir + "/signature.json";
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(e.signature_path, e.signature, 0644));
  e.sign_ms = MsSince(t);

  t = Clock::now();
  auto provenance = ProvenanceWithDeadline(project, app, artifact, platform, node, options, key);
  e.provenance_ms = MsSince(t);
  if (!provenance.ok()) {
    if (options.require_provenance) {
      return FailedPrecondition("AETHER_REQUIRE_PROVENANCE is set and " +
                                provenance.status().message());
    }
    e.provenance_note = provenance.status().message();
    return e;
  }
  e.provenance = std::move(provenance).value();
  e.provenance_path = out_dir + "/provenance.dsse.json";
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(e.provenance_path, e.provenance, 0644));
  return e;
}

}  // namespace aether::cli
