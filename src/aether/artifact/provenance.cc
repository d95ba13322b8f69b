// in-toto Statement v1 / SLSA Provenance v1 generation and subject checks, DSSE-signed.
// Stateless; thread-safe. nlohmann exceptions are kept inside this file.
#include "aether/artifact/provenance.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "aether/artifact/dsse.h"

namespace aether::artifact {
namespace {

using nlohmann::json;

Status Invalid(std::string message) {
  return {ErrorCode::kProvenanceInvalid, "provenance: " + std::move(message)};
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

json ResolvedDependencies(const ProvenanceInput& in) {
  json deps = json::array();
  if (!in.lockfile_sha256_hex.empty()) {
    deps.push_back(json{{"name", in.lockfile_name},
                        {"uri", "file:" + in.lockfile_name},
                        {"digest", json{{"sha256", in.lockfile_sha256_hex}}}});
  }
  if (in.in_git) {
    std::string remote = in.git_remote.empty() ? "file:." : in.git_remote;
    deps.push_back(json{{"uri", "git+" + remote},
                        {"digest", json{{"gitCommit", in.git_commit}}},
                        {"annotations", json{{"dirty", in.git_dirty}}}});
  }
  return deps;
}

json Metadata(const ProvenanceInput& in) {
  json m = json::object();
  if (!in.invocation_id.empty()) m["invocationId"] = in.invocation_id;
  if (!in.started_on.empty()) m["startedOn"] = in.started_on;
  if (!in.finished_on.empty()) m["finishedOn"] = in.finished_on;
  return m;
}

// The first subject's sha256 for error messages, or "" when there is none.
std::string FirstSubject(const json& subjects) {
  for (const json& s : subjects) {
    if (!s.is_object()) continue;
    auto d = s.find("digest");
    if (d == s.end() || !d->is_object()) continue;
    auto h = d->find("sha256");
    if (h != d->end() && h->is_string()) return "sha256:" + h->get<std::string>();
  }
  return "";
}

}  // namespace

std::string ProvenanceStatement(const ProvenanceInput& in) {
  json build_definition{
      {"buildType", kAetherBuildType},
      {"externalParameters", json{{"app", in.app}, {"packageManager", in.package_manager}}},
      {"internalParameters", json{{"os", in.os},
                                  {"arch", in.arch},
                                  {"libc", in.libc},
                                  {"nodeAbi", in.node_abi},
                                  {"nodeVersion", in.node_version}}},
      {"resolvedDependencies", ResolvedDependencies(in)}};
  json run_details{
      {"builder", json{{"id", "https://aetherengine.dev/aether-cli@" + in.builder_version},
                       {"version", json{{"aether-cli", in.builder_version}}}}},
      {"metadata", Metadata(in)}};
  json statement{
      {"_type", kInTotoStatementType},
      {"subject",
       json::array({json{{"name", in.app}, {"digest", json{{"sha256", in.artifact.hex()}}}}})},
      {"predicateType", kSlsaProvenanceType},
      {"predicate",
       json{{"buildDefinition", std::move(build_definition)}, {"runDetails", run_details}}}};
  return statement.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status CheckProvenanceSubject(std::string_view statement_json, const Digest& artifact) {
  json j = json::parse(statement_json.begin(), statement_json.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Invalid("statement is not a JSON object");
  auto type = j.find("_type");
  if (type == j.end() || !type->is_string() || type->get<std::string>() != kInTotoStatementType) {
    return Invalid("statement '_type' is not " + std::string(kInTotoStatementType));
  }
  auto predicate = j.find("predicateType");
  if (predicate == j.end() || !predicate->is_string() ||
      predicate->get<std::string>() != kSlsaProvenanceType) {
    return Invalid("'predicateType' is not " + std::string(kSlsaProvenanceType));
  }
  auto subjects = j.find("subject");
  if (subjects == j.end() || !subjects->is_array() || subjects->empty()) {
    return Invalid("statement has no subject");
  }
  for (const json& s : *subjects) {
    if (!s.is_object()) continue;
    auto d = s.find("digest");
    if (d == s.end() || !d->is_object()) continue;
    auto h = d->find("sha256");
    if (h != d->end() && h->is_string() && Lower(h->get<std::string>()) == artifact.hex()) {
      return Status::Ok();
    }
  }
  std::string named = FirstSubject(*subjects);
  return {ErrorCode::kProvenanceInvalid, "provenance names " +
                                             (named.empty() ? "no sha256 subject" : named) +
                                             ", not " + artifact.str()};
}

Result<std::string> SignProvenance(const ProvenanceInput& in, std::string_view private_pem) {
  AETHER_ASSIGN_OR_RETURN(DsseEnvelope e,
                          DsseSign(kInTotoPayloadType, ProvenanceStatement(in), private_pem));
  return DsseJson(e);
}

Status VerifyProvenance(std::string_view envelope_json, const Digest& artifact,
                        std::string_view public_pem) {
  AETHER_ASSIGN_OR_RETURN(DsseEnvelope e, ParseDsse(envelope_json));
  if (e.payload_type != kInTotoPayloadType) {
    return Invalid("payloadType is '" + e.payload_type + "', not " +
                   std::string(kInTotoPayloadType));
  }
  AETHER_RETURN_IF_ERROR(DsseVerify(e, public_pem));
  return CheckProvenanceSubject(e.payload, artifact);
}

}  // namespace aether::artifact
