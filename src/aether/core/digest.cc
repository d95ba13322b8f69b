// Parsing and validation of "sha256:<hex>" digests.
#include "aether/core/digest.h"

#include <cctype>

namespace aether {

Result<Digest> Digest::Parse(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.size() != kPrefix.size() + 64 || text.substr(0, kPrefix.size()) != kPrefix) {
    return InvalidArgument("invalid digest '" + std::string(text.substr(0, 80)) +
                           "': want sha256:<64 hex digits>");
  }
  std::string out(kPrefix);
  for (char c : text.substr(kPrefix.size())) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      return InvalidArgument("invalid digest '" + std::string(text) + "': not hex");
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return Digest(std::move(out));
}

Digest Digest::FromHex(std::string_view hex) { return Digest("sha256:" + std::string(hex)); }

}  // namespace aether
