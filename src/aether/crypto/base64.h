// Base64 (RFC 4648 §4, standard alphabet, '=' padding) for signatures and DSSE envelopes.
// Stateless free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::crypto {

std::string Base64Encode(std::string_view bytes);

// Strict: length a multiple of 4, padding only at the end, no whitespace, no URL-safe
// characters and zero unused bits. Anything else is kInvalidArgument.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace aether::crypto
