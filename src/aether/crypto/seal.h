// Authenticated encryption of small secrets at rest (config var values): AES-256-GCM with a
// random 96-bit nonce per value, bound to a context string (e.g. "app/VAR") so a sealed value
// cannot be moved to another variable. Stateless free functions over OpenSSL; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::crypto {

inline constexpr std::string_view kSealedPrefix = "sealed:v1:";

// `key` is 32 raw bytes. Returns "sealed:v1:" + base64(nonce ‖ ciphertext ‖ tag).
Result<std::string> Seal(std::string_view key, std::string_view context,
                         std::string_view plaintext);
// The inverse; kInvalidArgument when the text is not a sealed value, kPermissionDenied when it
// does not authenticate (wrong key, wrong context or tampered).
Result<std::string> Unseal(std::string_view key, std::string_view context, std::string_view sealed);

// 64 hex digits → 32 raw bytes (kInvalidArgument otherwise).
Result<std::string> KeyFromHex(std::string_view hex);

}  // namespace aether::crypto
