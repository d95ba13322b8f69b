// HMAC URL signing for aetherd-served presigned URLs.
#include "aether/blob/url_signer.h"

#include <ctime>

#include "aether/crypto/crypto.h"

namespace aether {

std::string UrlSigner::Sign(std::string_view method, std::string_view digest,
                            long long expires_at) const {
  std::string msg =
      std::string(method) + "\n" + std::string(digest) + "\n" + std::to_string(expires_at);
  return crypto::HmacSha256Hex(key_, msg);
}

std::string UrlSigner::SignedPath(std::string_view method, std::string_view digest,
                                  long long expires_at) const {
  return "/blobs/" + std::string(digest) + "?expires=" + std::to_string(expires_at) +
         "&signature=" + Sign(method, digest, expires_at);
}

PresignedUrl UrlSigner::Presign(std::string_view method, std::string_view digest,
                                std::chrono::seconds ttl) const {
  long long exp = std::time(nullptr) + ttl.count();
  return {std::string(method), SignedPath(method, digest, exp), exp, {}};
}

Status UrlSigner::Verify(std::string_view method, std::string_view digest, std::string_view expires,
                         std::string_view signature, long long now) const {
  long long exp = 0;
  try {
    size_t used = 0;
    exp = std::stoll(std::string(expires), &used);
    if (used != expires.size()) exp = 0;
  } catch (...) {
    exp = 0;
  }
  if (exp == 0 || signature.empty()) {
    return {ErrorCode::kPermissionDenied, "missing or malformed URL signature"};
  }
  if (!crypto::ConstantTimeEquals(Sign(method, digest, exp), signature)) {
    return {ErrorCode::kPermissionDenied, "URL signature does not match"};
  }
  if (now > exp) return {ErrorCode::kPermissionDenied, "presigned URL has expired"};
  return Status::Ok();
}

}  // namespace aether
