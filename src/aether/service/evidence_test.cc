// Unit tests for VerifyEvidence and KeyService over the in-memory store: which key verifies,
// what each policy switch demands, and the error codes for what does not verify.
#include "aether/service/evidence.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "aether/artifact/provenance.h"
#include "aether/artifact/signature.h"
#include "aether/crypto/crypto.h"
#include "aether/crypto/ed25519.h"
#include "aether/service/keys.h"

namespace aether {
namespace {

class EvidenceTest : public ::testing::Test {
 protected:
  EvidenceTest()
      : store_(NewMemoryStore()),
        keys_(*store_),
        key_(*crypto::GenerateEd25519()),
        digest_(crypto::Sha256Digest("manifest")) {
    EXPECT_TRUE(store_->CreateApp({"web", "t0", ""}).ok());
  }

  std::vector<PublicKey> Keys() { return *store_->ListPublicKeys("web"); }
  std::string Sign(const crypto::Ed25519KeyPair& k) {
    return artifact::SignatureJson(*artifact::SignArtifact(digest_, k.private_pem));
  }
  std::string Provenance(const crypto::Ed25519KeyPair& k) {
    artifact::ProvenanceInput in;
    in.artifact = digest_;
    return *artifact::SignProvenance(in, k.private_pem);
  }
  Status Verify(const ArtifactPolicy& policy, const Evidence& e, ArtifactRecord* rec) {
    return VerifyEvidence(policy, Keys(), digest_, e, rec);
  }

  std::unique_ptr<MetadataStore> store_;
  KeyService keys_;
  crypto::Ed25519KeyPair key_;
  Digest digest_;
};

TEST_F(EvidenceTest, KeyServiceDerivesIdsAndRefusesPrivateKeys) {
  auto k = keys_.Register("web", key_.public_pem, "laptop");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->id, *crypto::Ed25519KeyId(key_.public_pem));
  EXPECT_EQ(keys_.Register("web", key_.public_pem, "").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(keys_.Register("web", key_.private_pem, "").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(keys_.Register("web", "garbage", "").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(keys_.Register("ghost", key_.public_pem, "").status().code(), ErrorCode::kNotFound);
  auto off = keys_.Deactivate("web", k->id);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->active);
  EXPECT_FALSE(keys_.List("web")->front().active);
}

TEST_F(EvidenceTest, SignatureByAnActiveKeyVerifiesOthersAreInvalid) {
  ASSERT_TRUE(keys_.Register("web", key_.public_pem, "").ok());
  ArtifactRecord rec;
  ASSERT_TRUE(Verify({}, {Sign(key_), "", ""}, &rec).ok());
  EXPECT_EQ(rec.signed_by, *crypto::Ed25519KeyId(key_.public_pem));

  auto foreign = *crypto::GenerateEd25519();
  ArtifactRecord other;
  EXPECT_EQ(Verify({}, {Sign(foreign), "", ""}, &other).code(), ErrorCode::kSignatureInvalid);
  EXPECT_EQ(Verify({}, {"{\"alg\":\"ed25519\"}", "", ""}, &other).code(),
            ErrorCode::kSignatureInvalid);
  ASSERT_TRUE(keys_.Deactivate("web", rec.signed_by).ok());
  Status stale = Verify({}, {Sign(key_), "", ""}, &other);
  EXPECT_EQ(stale.code(), ErrorCode::kSignatureInvalid);
  EXPECT_NE(stale.message().find("deactivated"), std::string::npos) << stale.message();
  EXPECT_TRUE(other.signed_by.empty());
}

TEST_F(EvidenceTest, EachPolicySwitchNamesWhatIsMissing) {
  ArtifactRecord rec;
  EXPECT_TRUE(Verify({}, {}, &rec).ok()) << "nothing is required by default";
  ArtifactPolicy p;
  p.require_signature = true;
  EXPECT_EQ(Verify(p, {}, &rec).code(), ErrorCode::kSignatureRequired);
  p = {};
  p.require_sbom = true;
  EXPECT_EQ(Verify(p, {}, &rec).code(), ErrorCode::kSbomRequired);
  p = {};
  p.require_provenance = true;
  EXPECT_EQ(Verify(p, {}, &rec).code(), ErrorCode::kProvenanceRequired);
}

TEST_F(EvidenceTest, ProvenanceIsVerifiedWhenItsKeyIsKnownAndRequiredToBeWhenPolicySaysSo) {
  ASSERT_TRUE(keys_.Register("web", key_.public_pem, "").ok());
  ArtifactRecord rec;
  ASSERT_TRUE(Verify({}, {"", "", Provenance(key_)}, &rec).ok());
  EXPECT_EQ(rec.provenance_signed_by, *crypto::Ed25519KeyId(key_.public_pem));

  auto foreign = *crypto::GenerateEd25519();
  ArtifactRecord unverified;
  ASSERT_TRUE(Verify({}, {"", "", Provenance(foreign)}, &unverified).ok());
  EXPECT_FALSE(unverified.provenance.empty());
  EXPECT_TRUE(unverified.provenance_signed_by.empty());
  ArtifactPolicy strict;
  strict.require_provenance = true;
  EXPECT_EQ(Verify(strict, {"", "", Provenance(foreign)}, &unverified).code(),
            ErrorCode::kProvenanceInvalid);
}

TEST(ArtifactPolicy, ReadsTheRequireSwitchesFromTheEnvironment) {
  ::setenv("AETHER_REQUIRE_SIGNATURE", "1", 1);
  ::setenv("AETHER_REQUIRE_SBOM", "no", 1);
  ::setenv("AETHER_REQUIRE_PROVENANCE", "true", 1);
  ArtifactPolicy p = ArtifactPolicy::FromEnvironment();
  EXPECT_TRUE(p.require_signature);
  EXPECT_FALSE(p.require_sbom);
  EXPECT_TRUE(p.require_provenance);
  ::unsetenv("AETHER_REQUIRE_SIGNATURE");
  ::unsetenv("AETHER_REQUIRE_SBOM");
  ::unsetenv("AETHER_REQUIRE_PROVENANCE");
}

}  // namespace
}  // namespace aether
