// Detached artifact signatures: sign/verify, JSON shape and parsing, wrong digest, foreign
// key and tampering.
#include "aether/artifact/signature.h"

#include <gtest/gtest.h>

#include "aether/crypto/base64.h"
#include "aether/crypto/crypto.h"
#include "aether/crypto/ed25519.h"

namespace aether::artifact {
namespace {

class SignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kp = crypto::GenerateEd25519();
    ASSERT_TRUE(kp.ok());
    key_ = *kp;
  }
  crypto::Ed25519KeyPair key_;
  Digest artifact_ = crypto::Sha256Digest("manifest bytes");
};

TEST_F(SignatureTest, SignsTheDigestString) {
  auto s = SignArtifact(artifact_, key_.private_pem);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->digest, artifact_.str());
  EXPECT_EQ(s->alg, "ed25519");
  EXPECT_EQ(s->keyid, *crypto::Ed25519KeyId(key_.public_pem));
  EXPECT_TRUE(crypto::Ed25519Verify(key_.public_pem, artifact_.str(), s->sig).ok());
  EXPECT_TRUE(VerifyArtifactSignature(*s, artifact_, key_.public_pem).ok());
}

TEST_F(SignatureTest, JsonRoundTrip) {
  auto s = SignArtifact(artifact_, key_.private_pem);
  ASSERT_TRUE(s.ok());
  std::string text = SignatureJson(*s);
  EXPECT_EQ(text, R"({"alg":"ed25519","digest":")" + artifact_.str() + R"(","keyid":")" + s->keyid +
                      R"(","sig":")" + crypto::Base64Encode(s->sig) + R"("})");
  auto back = ParseSignature(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->digest, s->digest);
  EXPECT_EQ(back->keyid, s->keyid);
  EXPECT_EQ(back->sig, s->sig);
  EXPECT_TRUE(VerifyArtifactSignature(*back, artifact_, key_.public_pem).ok());
}

TEST_F(SignatureTest, MalformedDocumentsNameTheField) {
  const std::string sig = crypto::Base64Encode(std::string(64, 'x'));
  const std::string d = artifact_.str();
  const std::pair<std::string, std::string> kCases[] = {
      {"nope", "JSON"},
      {"[]", "object"},
      {R"({"digest":")" + d + R"(","keyid":"k","sig":")" + sig + R"("})", "'alg'"},
      {R"({"alg":"rsa","digest":")" + d + R"(","keyid":"k","sig":")" + sig + R"("})", "'alg'"},
      {R"({"alg":"ed25519","digest":"md5:x","keyid":"k","sig":")" + sig + R"("})", "'digest'"},
      {R"({"alg":"ed25519","digest":")" + d + R"(","keyid":1,"sig":")" + sig + R"("})", "'keyid'"},
      {R"({"alg":"ed25519","digest":")" + d + R"(","keyid":"k","sig":"!!"})", "'sig'"},
      {R"({"alg":"ed25519","digest":")" + d + R"(","keyid":"k","sig":"AAAA"})", "'sig'"},
  };
  for (const auto& [text, field] : kCases) {
    auto r = ParseSignature(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), ErrorCode::kSignatureInvalid) << text;
    EXPECT_NE(r.status().message().find(field), std::string::npos) << r.status().message();
  }
}

TEST_F(SignatureTest, RejectsAnotherDigest) {
  auto s = SignArtifact(artifact_, key_.private_pem);
  ASSERT_TRUE(s.ok());
  Digest other = crypto::Sha256Digest("other manifest");
  Status st = VerifyArtifactSignature(*s, other, key_.public_pem);
  EXPECT_EQ(st.code(), ErrorCode::kSignatureInvalid);
  EXPECT_EQ(st.message(), "signature is for " + artifact_.str() + ", not " + other.str());
  // Relabelling the digest does not help: the signature covers the digest string.
  s->digest = other.str();
  EXPECT_EQ(VerifyArtifactSignature(*s, other, key_.public_pem).code(),
            ErrorCode::kSignatureInvalid);
}

TEST_F(SignatureTest, RejectsForeignKeyAndTampering) {
  auto s = SignArtifact(artifact_, key_.private_pem);
  ASSERT_TRUE(s.ok());
  auto foreign = crypto::GenerateEd25519();
  ASSERT_TRUE(foreign.ok());
  Status st = VerifyArtifactSignature(*s, artifact_, foreign->public_pem);
  EXPECT_EQ(st.code(), ErrorCode::kSignatureInvalid);
  EXPECT_NE(st.message().find(s->keyid), std::string::npos) << st.message();

  ArtifactSignature flipped = *s;
  flipped.sig[0] = static_cast<char>(flipped.sig[0] ^ 0x80);
  EXPECT_EQ(VerifyArtifactSignature(flipped, artifact_, key_.public_pem).code(),
            ErrorCode::kSignatureInvalid);
  EXPECT_EQ(SignArtifact(artifact_, "not a key").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyArtifactSignature(*s, artifact_, "not a key").code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aether::artifact
