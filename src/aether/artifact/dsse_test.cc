// DSSE v1: the spec's PAE example, envelope JSON round trip, tampering and foreign keys.
#include "aether/artifact/dsse.h"

#include <gtest/gtest.h>

#include "aether/crypto/base64.h"
#include "aether/crypto/ed25519.h"

namespace aether::artifact {
namespace {

constexpr std::string_view kType = "application/vnd.in-toto+json";

class DsseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kp = crypto::GenerateEd25519();
    ASSERT_TRUE(kp.ok());
    key_ = *kp;
  }
  crypto::Ed25519KeyPair key_;
};

TEST(DssePae, SpecExample) {
  EXPECT_EQ(DssePae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  EXPECT_EQ(DssePae("", ""), "DSSEv1 0  0 ");
  // Lengths count bytes, including NULs and multi-byte UTF-8.
  EXPECT_EQ(DssePae("t", std::string("a\0\xc3\xa9", 4)),
            std::string("DSSEv1 1 t 4 a\0\xc3\xa9", 17));
}

TEST_F(DsseTest, SignParseVerifyRoundTrip) {
  auto e = DsseSign(kType, R"({"x":1})", key_.private_pem);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->signatures.size(), 1u);
  EXPECT_EQ(e->signatures[0].keyid, *crypto::Ed25519KeyId(key_.public_pem));
  EXPECT_TRUE(
      crypto::Ed25519Verify(key_.public_pem, DssePae(kType, R"({"x":1})"), e->signatures[0].sig)
          .ok());

  std::string text = DsseJson(*e);
  EXPECT_EQ(text, R"({"payload":"eyJ4IjoxfQ==","payloadType":"application/vnd.in-toto+json",)"
                  R"("signatures":[{"keyid":")" +
                      e->signatures[0].keyid + R"(","sig":")" +
                      crypto::Base64Encode(e->signatures[0].sig) + R"("}]})");
  auto back = ParseDsse(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->payload, R"({"x":1})");
  EXPECT_EQ(back->payload_type, kType);
  EXPECT_TRUE(DsseVerify(*back, key_.public_pem).ok());
}

TEST_F(DsseTest, EmptyKeyidIsTriedAndUrlSafeBase64Accepted) {
  auto e = DsseSign(kType, "payload", key_.private_pem);
  ASSERT_TRUE(e.ok());
  e->signatures[0].keyid.clear();
  EXPECT_TRUE(DsseVerify(*e, key_.public_pem).ok());
  std::string sig = crypto::Base64Encode(e->signatures[0].sig);
  for (char& c : sig) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!sig.empty() && sig.back() == '=') sig.pop_back();
  auto parsed = ParseDsse(R"({"payload":"cGF5bG9hZA","payloadType":")" + std::string(kType) +
                          R"(","signatures":[{"sig":")" + sig + R"("}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->payload, "payload");
  EXPECT_TRUE(DsseVerify(*parsed, key_.public_pem).ok());
}

TEST_F(DsseTest, TamperingIsRejected) {
  auto e = DsseSign(kType, "payload", key_.private_pem);
  ASSERT_TRUE(e.ok());
  DsseEnvelope body = *e;
  body.payload = "payloaD";
  EXPECT_EQ(DsseVerify(body, key_.public_pem).code(), ErrorCode::kProvenanceInvalid);
  DsseEnvelope type = *e;
  type.payload_type = "application/json";
  EXPECT_EQ(DsseVerify(type, key_.public_pem).code(), ErrorCode::kProvenanceInvalid);
  DsseEnvelope sig = *e;
  sig.signatures[0].sig[5] = static_cast<char>(sig.signatures[0].sig[5] ^ 0x01);
  EXPECT_EQ(DsseVerify(sig, key_.public_pem).code(), ErrorCode::kProvenanceInvalid);
}

TEST_F(DsseTest, ForeignKeyIsRejected) {
  auto foreign = crypto::GenerateEd25519();
  ASSERT_TRUE(foreign.ok());
  auto e = DsseSign(kType, "payload", foreign->private_pem);
  ASSERT_TRUE(e.ok());
  Status st = DsseVerify(*e, key_.public_pem);
  EXPECT_EQ(st.code(), ErrorCode::kProvenanceInvalid);
  EXPECT_NE(st.message().find("no signature by key"), std::string::npos) << st.message();
  e->signatures[0].keyid.clear();  // anonymous: tried, and fails
  EXPECT_EQ(DsseVerify(*e, key_.public_pem).code(), ErrorCode::kProvenanceInvalid);
  EXPECT_EQ(DsseVerify(*e, "not a key").code(), ErrorCode::kInvalidArgument);
}

TEST(ParseDsse, MalformedInput) {
  for (const char* bad : {
           "nope",
           "[]",
           R"({"payloadType":"t","signatures":[{"sig":"AAAA"}]})",
           R"({"payload":"!!","payloadType":"t","signatures":[{"sig":"AAAA"}]})",
           R"({"payload":"AAAA","signatures":[{"sig":"AAAA"}]})",
           R"({"payload":"AAAA","payloadType":"t","signatures":[]})",
           R"({"payload":"AAAA","payloadType":"t","signatures":[1]})",
           R"({"payload":"AAAA","payloadType":"t","signatures":[{"keyid":2,"sig":"AAAA"}]})",
           R"({"payload":"AAAA","payloadType":"t","signatures":[{"keyid":"k"}]})",
       }) {
    EXPECT_EQ(ParseDsse(bad).status().code(), ErrorCode::kProvenanceInvalid) << bad;
  }
}

}  // namespace
}  // namespace aether::artifact
