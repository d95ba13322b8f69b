// Ed25519 and base64: RFC 8032 / RFC 4648 known answers, round trips, tampering, and interop
// with keys and signatures made by the openssl CLI.
#include "aether/crypto/ed25519.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "aether/crypto/base64.h"

namespace aether::crypto {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An Ed25519 PKCS#8 PEM around a raw 32-byte seed (RFC 8410 §7 layout).
std::string PrivatePemFromSeed(const std::string& seed) {
  std::string der = FromHex("302e020100300506032b657004220420") + seed;
  return "-----BEGIN PRIVATE KEY-----\n" + Base64Encode(der) + "\n-----END PRIVATE KEY-----\n";
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kCases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kCases) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto back = Base64Decode(encoded);
    ASSERT_TRUE(back.ok()) << encoded;
    EXPECT_EQ(*back, plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(*Base64Decode(Base64Encode(all)), all);
}

TEST(Base64, RejectsInvalidInput) {
  for (const char* bad : {"Zg=", "Zg", "Z===", "====", "Zm9v\n", "Zm 9", "Zm-_",
                          "Zh==", "Zm9=", "Zg==Zm9v", "=Zm9"}) {
    EXPECT_EQ(Base64Decode(bad).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Ed25519, Rfc8032TestVector1) {
  std::string pem = PrivatePemFromSeed(
      FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  auto sig = Ed25519Sign(pem, "");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(*sig, FromHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb"
                          "8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));
  auto pub = Ed25519PublicFromPrivate(pem);
  ASSERT_TRUE(pub.ok());
  // SPKI = 12-byte prefix + the RFC's public key.
  std::string spki = FromHex("302a300506032b6570032100") +
                     FromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(*pub,
            "-----BEGIN PUBLIC KEY-----\n" + Base64Encode(spki) + "\n-----END PUBLIC KEY-----\n");
  EXPECT_TRUE(Ed25519Verify(*pub, "", *sig).ok());
}

TEST(Ed25519, RoundTripAndTamper) {
  auto kp = GenerateEd25519();
  ASSERT_TRUE(kp.ok()) << kp.status().ToString();
  EXPECT_NE(kp->private_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(kp->public_pem.find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
  EXPECT_EQ(*Ed25519PublicFromPrivate(kp->private_pem), kp->public_pem);

  auto sig = Ed25519Sign(kp->private_pem, "hello");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(Ed25519Verify(kp->public_pem, "hello", *sig).ok());
  EXPECT_EQ(Ed25519Verify(kp->public_pem, "hellO", *sig).code(), ErrorCode::kSignatureInvalid);
  std::string flipped = *sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
  EXPECT_EQ(Ed25519Verify(kp->public_pem, "hello", flipped).code(), ErrorCode::kSignatureInvalid);
  EXPECT_EQ(Ed25519Verify(kp->public_pem, "hello", sig->substr(1)).code(),
            ErrorCode::kSignatureInvalid);

  auto other = GenerateEd25519();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Ed25519Verify(other->public_pem, "hello", *sig).code(), ErrorCode::kSignatureInvalid);
}

TEST(Ed25519, BadKeysAreInvalidArgument) {
  auto kp = GenerateEd25519();
  ASSERT_TRUE(kp.ok());
  EXPECT_EQ(Ed25519Sign("garbage", "m").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ed25519Sign(kp->public_pem, "m").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ed25519Verify("garbage", "m", std::string(64, 'x')).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ed25519Verify(kp->private_pem, "m", std::string(64, 'x')).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Ed25519KeyId(kp->private_pem).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Ed25519, KeyIdIsStable) {
  auto kp = GenerateEd25519();
  ASSERT_TRUE(kp.ok());
  auto id = Ed25519KeyId(kp->public_pem);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->rfind("sha256:", 0), 0u);
  EXPECT_EQ(id->size(), 7u + 64u);
  EXPECT_EQ(*Ed25519KeyId(*Ed25519PublicFromPrivate(kp->private_pem)), *id);
  EXPECT_NE(*Ed25519KeyId(GenerateEd25519()->public_pem), *id);
}

class OpensslInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "aether-ed-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  int Openssl(const std::string& args) const {
    return std::system(
        ("cd '" + dir_ + "' && openssl " + args + " </dev/null >/dev/null 2>&1").c_str());
  }
  std::string dir_;
};

TEST_F(OpensslInterop, CliKeysAndSignaturesVerify) {
  ASSERT_EQ(Openssl("genpkey -algorithm ed25519 -out key.pem"), 0);
  ASSERT_EQ(Openssl("pkey -in key.pem -pubout -out pub.pem"), 0);
  std::ofstream(dir_ + "/msg", std::ios::binary) << "sha256:0123abcd";
  ASSERT_EQ(Openssl("pkeyutl -sign -rawin -inkey key.pem -in msg -out sig"), 0);
  std::string key = ReadAll(dir_ + "/key.pem");
  std::string pub = ReadAll(dir_ + "/pub.pem");
  std::string cli_sig = ReadAll(dir_ + "/sig");

  EXPECT_EQ(*Ed25519PublicFromPrivate(key), pub);
  EXPECT_TRUE(Ed25519Verify(pub, "sha256:0123abcd", cli_sig).ok());
  EXPECT_EQ(Ed25519Verify(pub, "sha256:0123abce", cli_sig).code(), ErrorCode::kSignatureInvalid);

  // Ed25519 is deterministic, so the library reproduces the CLI's signature exactly, and the
  // CLI verifies the library's.
  auto ours = Ed25519Sign(key, "sha256:0123abcd");
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(*ours, cli_sig);
  std::ofstream(dir_ + "/ours", std::ios::binary) << *ours;
  EXPECT_EQ(Openssl("pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg -sigfile ours"), 0);

  // The key id is sha256 over the DER SPKI that the CLI writes too.
  ASSERT_EQ(Openssl("pkey -pubin -in pub.pem -outform DER -out pub.der"), 0);
  ASSERT_EQ(Openssl("dgst -sha256 -r -out pub.sha pub.der"), 0);
  EXPECT_EQ(*Ed25519KeyId(pub), "sha256:" + ReadAll(dir_ + "/pub.sha").substr(0, 64));
}

TEST_F(OpensslInterop, RejectsOtherKeyTypes) {
  ASSERT_EQ(Openssl("genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out ec.pem"), 0);
  ASSERT_EQ(Openssl("pkey -in ec.pem -pubout -out ecpub.pem"), 0);
  auto sig = Ed25519Sign(ReadAll(dir_ + "/ec.pem"), "m");
  EXPECT_EQ(sig.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(sig.status().message().find("not Ed25519"), std::string::npos)
      << sig.status().message();
  EXPECT_EQ(Ed25519KeyId(ReadAll(dir_ + "/ecpub.pem")).status().code(),
            ErrorCode::kInvalidArgument);
  // An encrypted key fails cleanly instead of prompting for a passphrase.
  ASSERT_EQ(Openssl("genpkey -algorithm ed25519 -aes256 -pass pass:x -out enc.pem"), 0);
  EXPECT_EQ(Ed25519Sign(ReadAll(dir_ + "/enc.pem"), "m").status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace aether::crypto
