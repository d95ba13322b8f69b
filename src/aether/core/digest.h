// Digest: a validated content address, "sha256:" followed by 64 lowercase hex digits.
// Immutable value type; thread-compatible. Hashing itself lives in crypto/.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether {

class Digest {
 public:
  // Accepts "sha256:<64 hex>" (hex case-insensitive, normalised to lowercase).
  static Result<Digest> Parse(std::string_view text);
  // From a bare 64-char lowercase hex sha256 (as crypto::Sha256 produces).
  static Digest FromHex(std::string_view hex);

  const std::string& str() const { return text_; }  // "sha256:ab12…"
  std::string_view hex() const { return std::string_view(text_).substr(7); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace aether
