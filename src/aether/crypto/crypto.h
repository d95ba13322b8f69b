// Hashing, MACs and randomness over OpenSSL (linked privately; no OpenSSL types leak).
// Sha256 is a streaming hasher owned by one thread; the free functions are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aether/core/digest.h"
#include "aether/core/status.h"

namespace aether::crypto {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // Lowercase hex of the digest; the hasher must not be used afterwards.
  std::string FinishHex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Sha256Hex(std::string_view bytes);
Digest Sha256Digest(std::string_view bytes);
// Streams a file through sha256; also returns its size through `size` when given.
Result<Digest> Sha256File(const std::string& path, long long* size = nullptr);

// HMAC-SHA256 of `data` under `key`: the 32 raw bytes, or lowercase hex.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// Lowercase hex of `bytes`, and back (either case; kInvalidArgument for anything else).
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);

// `n` bytes from the OS CSPRNG, lowercase hex (2n chars).
std::string RandomHex(size_t n);

// Comparison whose time does not depend on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace aether::crypto
