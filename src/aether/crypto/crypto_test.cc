// Known-answer tests for sha256 and HMAC-SHA256 (FIPS 180-2, RFC 4231).
#include "aether/crypto/crypto.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace aether::crypto {
namespace {

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.FinishHex(), Sha256Hex("abc"));
}

TEST(Sha256, HashesFiles) {
  std::string path = ::testing::TempDir() + "/sha_file";
  std::ofstream(path) << "abc";
  long long size = 0;
  auto d = Sha256File(path, &size);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->str(), "sha256:" + Sha256Hex("abc"));
  EXPECT_EQ(size, 3);
  EXPECT_EQ(Sha256File(path + ".missing").status().code(), ErrorCode::kNotFound);
  std::remove(path.c_str());
}

TEST(Hmac, Rfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hex, RoundTripsAndRefusesNonHex) {
  const std::string bytes("\x00\x7f\x80\xff ~", 6);
  EXPECT_EQ(HexEncode(bytes), "007f80ff207e");
  EXPECT_EQ(*HexDecode("007F80ff207e"), bytes);
  EXPECT_EQ(*HexDecode(""), "");
  EXPECT_EQ(HexDecode("abc").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(HexDecode("zz").status().code(), ErrorCode::kInvalidArgument);
}

TEST(Random, HexOfRequestedLength) {
  auto a = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, RandomHex(16));
  EXPECT_TRUE(ConstantTimeEquals(a, a));
  EXPECT_FALSE(ConstantTimeEquals(a, RandomHex(16)));
  EXPECT_FALSE(ConstantTimeEquals("a", "ab"));
}

}  // namespace
}  // namespace aether::crypto
