// Provenance: statement shape (in-toto v1 + SLSA v1), materials, subject checks, and the
// signed DSSE round trip with tampering and foreign keys.
#include "aether/artifact/provenance.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aether/artifact/dsse.h"
#include "aether/crypto/crypto.h"
#include "aether/crypto/ed25519.h"

namespace aether::artifact {
namespace {

using nlohmann::json;

ProvenanceInput Input() {
  ProvenanceInput in;
  in.artifact = crypto::Sha256Digest("manifest");
  in.app = "web";
  in.lockfile_name = "package-lock.json";
  in.lockfile_sha256_hex = crypto::Sha256Hex("lock");
  in.in_git = true;
  in.git_commit = "0123456789abcdef0123456789abcdef01234567";
  in.git_dirty = true;
  in.git_remote = "https://github.com/acme/web.git";
  in.builder_version = "0.1.0";
  in.os = "linux";
  in.arch = "x64";
  in.libc = "glibc";
  in.node_abi = "115";
  in.node_version = "20.11.0";
  in.package_manager = "npm";
  in.started_on = "2024-05-01T10:00:00Z";
  in.finished_on = "2024-05-01T10:01:00Z";
  in.invocation_id = "inv-1";
  return in;
}

TEST(Provenance, StatementShape) {
  ProvenanceInput in = Input();
  json j = json::parse(ProvenanceStatement(in));
  EXPECT_EQ(j["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(j["predicateType"], "https://slsa.dev/provenance/v1");
  EXPECT_EQ(j["subject"], json::parse(R"([{"name":"web","digest":{"sha256":")" +
                                      std::string(in.artifact.hex()) + R"("}}])"));
  const json& bd = j["predicate"]["buildDefinition"];
  EXPECT_EQ(bd["buildType"], "https://aetherengine.dev/buildtypes/aether-cli-deploy/v1");
  EXPECT_EQ(bd["externalParameters"]["app"], "web");
  EXPECT_EQ(bd["externalParameters"]["packageManager"], "npm");
  EXPECT_EQ(bd["internalParameters"]["arch"], "x64");
  EXPECT_EQ(bd["internalParameters"]["nodeAbi"], "115");
  ASSERT_EQ(bd["resolvedDependencies"].size(), 2u);
  EXPECT_EQ(bd["resolvedDependencies"][0],
            json::parse(R"({"name":"package-lock.json","uri":"file:package-lock.json",)"
                        R"("digest":{"sha256":")" +
                        in.lockfile_sha256_hex + R"("}})"));
  EXPECT_EQ(bd["resolvedDependencies"][1],
            json::parse(R"({"uri":"git+https://github.com/acme/web.git",)"
                        R"("digest":{"gitCommit":"0123456789abcdef0123456789abcdef01234567"},)"
                        R"("annotations":{"dirty":true}})"));
  const json& rd = j["predicate"]["runDetails"];
  EXPECT_EQ(rd["builder"]["id"], "https://aetherengine.dev/aether-cli@0.1.0");
  EXPECT_EQ(rd["builder"]["version"]["aether-cli"], "0.1.0");
  EXPECT_EQ(rd["metadata"]["invocationId"], "inv-1");
  EXPECT_EQ(rd["metadata"]["startedOn"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(rd["metadata"]["finishedOn"], "2024-05-01T10:01:00Z");
  // Deterministic bytes for the same input.
  EXPECT_EQ(ProvenanceStatement(in), ProvenanceStatement(in));
}

TEST(Provenance, MaterialsWithoutLockfileOrGit) {
  ProvenanceInput in = Input();
  in.lockfile_sha256_hex.clear();
  in.in_git = false;
  json j = json::parse(ProvenanceStatement(in));
  EXPECT_TRUE(j["predicate"]["buildDefinition"]["resolvedDependencies"].empty());

  in.in_git = true;
  in.git_remote.clear();
  in.git_dirty = false;
  j = json::parse(ProvenanceStatement(in));
  const json& git = j["predicate"]["buildDefinition"]["resolvedDependencies"][0];
  EXPECT_EQ(git["uri"], "git+file:.");
  EXPECT_EQ(git["annotations"]["dirty"], false);
}

TEST(Provenance, CheckSubject) {
  ProvenanceInput in = Input();
  std::string statement = ProvenanceStatement(in);
  EXPECT_TRUE(CheckProvenanceSubject(statement, in.artifact).ok());

  Digest other = crypto::Sha256Digest("other");
  Status st = CheckProvenanceSubject(statement, other);
  EXPECT_EQ(st.code(), ErrorCode::kProvenanceInvalid);
  EXPECT_EQ(st.message(), "provenance names " + in.artifact.str() + ", not " + other.str());

  json j = json::parse(statement);
  j["_type"] = "https://in-toto.io/Statement/v0.1";
  EXPECT_EQ(CheckProvenanceSubject(j.dump(), in.artifact).code(), ErrorCode::kProvenanceInvalid);
  j = json::parse(statement);
  j["predicateType"] = "https://slsa.dev/provenance/v0.2";
  EXPECT_EQ(CheckProvenanceSubject(j.dump(), in.artifact).code(), ErrorCode::kProvenanceInvalid);
  j = json::parse(statement);
  j["subject"] = json::array();
  EXPECT_EQ(CheckProvenanceSubject(j.dump(), in.artifact).code(), ErrorCode::kProvenanceInvalid);
  EXPECT_EQ(CheckProvenanceSubject("{", in.artifact).code(), ErrorCode::kProvenanceInvalid);
}

TEST(Provenance, SignAndVerify) {
  auto key = crypto::GenerateEd25519();
  ASSERT_TRUE(key.ok());
  ProvenanceInput in = Input();
  auto envelope = SignProvenance(in, key->private_pem);
  ASSERT_TRUE(envelope.ok()) << envelope.status().ToString();
  auto parsed = ParseDsse(*envelope);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->payload_type, kInTotoPayloadType);
  EXPECT_EQ(parsed->payload, ProvenanceStatement(in));
  EXPECT_TRUE(VerifyProvenance(*envelope, in.artifact, key->public_pem).ok());

  // About another artifact.
  Status st = VerifyProvenance(*envelope, crypto::Sha256Digest("other"), key->public_pem);
  EXPECT_EQ(st.code(), ErrorCode::kProvenanceInvalid);
  EXPECT_NE(st.message().find("provenance names " + in.artifact.str()), std::string::npos);
  // Signed by someone else.
  auto foreign = crypto::GenerateEd25519();
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(VerifyProvenance(*envelope, in.artifact, foreign->public_pem).code(),
            ErrorCode::kProvenanceInvalid);
  // Payload swapped for a statement about another artifact, signature kept.
  DsseEnvelope swapped = *parsed;
  in.artifact = crypto::Sha256Digest("other");
  swapped.payload = ProvenanceStatement(in);
  EXPECT_EQ(VerifyProvenance(DsseJson(swapped), in.artifact, key->public_pem).code(),
            ErrorCode::kProvenanceInvalid);
  // A correctly signed envelope of another payload type.
  auto wrong_type = DsseSign("application/json", parsed->payload, key->private_pem);
  ASSERT_TRUE(wrong_type.ok());
  EXPECT_EQ(VerifyProvenance(DsseJson(*wrong_type), Input().artifact, key->public_pem).code(),
            ErrorCode::kProvenanceInvalid);
  EXPECT_EQ(VerifyProvenance("not json", in.artifact, key->public_pem).code(),
            ErrorCode::kProvenanceInvalid);
}

}  // namespace
}  // namespace aether::artifact
