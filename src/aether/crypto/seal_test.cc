// Tests for AES-256-GCM sealing: round trip, context binding, tampering, key checks.
#include "aether/crypto/seal.h"

#include <gtest/gtest.h>

namespace aether::crypto {
namespace {

const std::string kKey(32, 'k');

TEST(Seal, RoundTripsAndUsesAFreshNonce) {
  auto a = Seal(kKey, "web/DB", "postgres://secret");
  auto b = Seal(kKey, "web/DB", "postgres://secret");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->starts_with(kSealedPrefix));
  EXPECT_EQ(a->find("secret"), std::string::npos);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*Unseal(kKey, "web/DB", *a), "postgres://secret");
  EXPECT_EQ(*Unseal(kKey, "web/E", *Seal(kKey, "web/E", "")), "");
}

TEST(Seal, RefusesAnotherContextKeyOrTamperedText) {
  std::string sealed = *Seal(kKey, "web/DB", "v");
  EXPECT_EQ(Unseal(kKey, "api/DB", sealed).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Unseal(std::string(32, 'x'), "web/DB", sealed).status().code(),
            ErrorCode::kPermissionDenied);
  std::string tampered = sealed;
  tampered[kSealedPrefix.size() + 20] = tampered[kSealedPrefix.size() + 20] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Unseal(kKey, "web/DB", tampered).ok());
  EXPECT_EQ(Unseal(kKey, "web/DB", "plain").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Seal("short", "c", "v").status().code(), ErrorCode::kInvalidArgument);
}

TEST(Seal, KeyFromHex) {
  auto key = KeyFromHex(std::string(64, 'a'));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, std::string(32, '\xaa'));
  EXPECT_FALSE(KeyFromHex("abc").ok());
  EXPECT_FALSE(KeyFromHex(std::string(63, 'a') + "g").ok());
}

}  // namespace
}  // namespace aether::crypto
