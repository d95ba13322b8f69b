// DeployReport as JSON and as the human summary.
#include "aether/cli/deploy_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace aether::cli {
namespace {

std::string EvidenceLine(const Output& out, const DeployReport& r) {
  const Evidence& e = r.evidence;
  std::string line = "  sbom " + (!e.sbom.empty()       ? HumanMs(e.sbom_ms)
                                  : e.sbom_note.empty() ? std::string("off")
                                                        : "none (" + e.sbom_note + ")");
  if (e.signature.empty()) {
    line += " · unsigned";
  } else {
    line += " · signed " + e.keyid.substr(0, 19) + "…" +
            (r.dry_run    ? ""
             : r.verified ? " (verified)"
                          : " (not verified)");
  }
  line += " · provenance " +
          (e.provenance.empty() ? "none (" + e.provenance_note + ")" : HumanMs(e.provenance_ms));
  return out.Dim(line);
}

std::string PhaseLine(const Output& out, const DeployReport& r) {
  bool deps_cached = !r.layers.empty() && r.layers.front().cached;
  std::string deps_note = !r.has_deps ? " (none)" : deps_cached ? " (cached)" : "";
  std::string line = "  detect " + HumanMs(r.detect) + " · deps " + HumanMs(r.deps) + deps_note +
                     " · pack " + HumanMs(r.pack) + " · hash " + HumanMs(r.hash);
  if (r.dry_run) return out.Dim(line);
  line += " · upload " + HumanMs(r.upload_ms) + " (" + std::to_string(r.upload.uploaded_layers) +
          " of " + std::to_string(r.layers.size()) + " layers, " +
          HumanBytes(r.upload.uploaded_bytes) + ") · register " + HumanMs(r.register_ms);
  if (!r.deployment.empty() && r.status != "pending") line += " · rollout " + HumanMs(r.rollout);
  return out.Dim(line);
}

std::string ServerPhaseLine(const Output& out, const std::vector<PhaseTiming>& phases) {
  std::string line = "  server:";
  for (size_t i = 0; i < phases.size(); ++i) {
    line += (i == 0 ? " " : " · ") + phases[i].name + " " + HumanMs(phases[i].ms);
  }
  return out.Dim(line);
}

}  // namespace

nlohmann::json DeployReportJson(const DeployReport& r) {
  using nlohmann::json;
  auto layers = json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"role", l.role},
                      {"digest", l.digest},
                      {"size", l.size},
                      {"files", l.files},
                      {"cached", l.cached},
                      {"path", l.path}});
  }
  auto phases = json::array();
  for (const auto& p : r.server_phases) phases.push_back({{"name", p.name}, {"ms", p.ms}});
  const Evidence& e = r.evidence;
  json manifest = json::parse(r.manifest, nullptr, /*allow_exceptions=*/false);
  json j = {{"app", r.app},
            {"artifact", r.artifact},
            {"dry_run", r.dry_run},
            {"manifest", manifest.is_discarded() ? json(nullptr) : manifest},
            {"manifest_path", r.manifest_path},
            {"layers", layers},
            {"sbom", e.sbom_path},
            {"signature", e.signature_path},
            {"provenance", e.provenance_path},
            {"signed_by", e.keyid},
            {"timings",
             {{"detect", r.detect},
              {"deps", r.deps},
              {"pack", r.pack},
              {"hash", r.hash},
              {"sbom", e.sbom_ms},
              {"sign", e.sign_ms},
              {"provenance", e.provenance_ms},
              {"upload", r.upload_ms},
              {"register", r.register_ms},
              {"rollout", r.rollout},
              {"total", r.total}}}};
  if (!e.sbom_note.empty()) j["sbom_note"] = e.sbom_note;
  if (!e.provenance_note.empty()) j["provenance_note"] = e.provenance_note;
  if (r.dry_run) return j;
  j.update({{"deployment", r.deployment},
            {"status", r.status},
            {"url", r.url},
            {"created_app", r.created_app},
            {"verified", r.verified},
            {"provenance_verified", r.provenance_verified},
            {"server_phases", phases},
            {"uploaded_layers", r.upload.uploaded_layers},
            {"skipped_layers", r.upload.skipped_layers},
            {"uploaded_bytes", r.upload.uploaded_bytes}});
  if (!r.reason.empty()) j["reason"] = r.reason;
  return j;
}

void PrintDeployReport(Output& out, const DeployReport& r) {
  if (out.json()) {
    out.Json(DeployReportJson(r));
    return;
  }
  out.Line(PhaseLine(out, r));
  out.Line(EvidenceLine(out, r));
  if (!r.server_phases.empty()) out.Line(ServerPhaseLine(out, r.server_phases));
  if (r.dry_run) {
    out.Line(out.Green(out.Bold("Packed")) + " " + r.artifact + " (not uploaded) → " +
             r.manifest_path);
  } else if (r.status == "running") {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2fs", static_cast<double>(r.total) / 1000);
    out.Line(out.Green(out.Bold("Released")) + " " + r.deployment + " in " + secs + " → " +
             out.Cyan(r.url));
  } else if (r.status == "pending" || r.status == "deploying") {
    out.Line("Deployment " + r.deployment + " is " + r.status +
             "; follow it with `aether status --app " + r.app + "`");
  }
}

}  // namespace aether::cli
