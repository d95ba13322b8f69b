// UrlSigner: HMAC-SHA256 signatures for URLs that aetherd serves itself (presigned blob PUT/GET
// on the fs backend), so a client can upload without a bearer token, for a limited time.
// Immutable after construction; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether {

class UrlSigner {
 public:
  explicit UrlSigner(std::string key) : key_(std::move(key)) {}

  // "/blobs/sha256:…?expires=…&signature=…"
  std::string SignedPath(std::string_view method, std::string_view digest,
                         long long expires_at) const;
  // A URL for `method` on `digest` that expires `ttl` from now.
  PresignedUrl Presign(std::string_view method, std::string_view digest,
                       std::chrono::seconds ttl) const;
  // kPermissionDenied when the signature is wrong or `now` is past `expires`.
  Status Verify(std::string_view method, std::string_view digest, std::string_view expires,
                std::string_view signature, long long now) const;

 private:
  std::string Sign(std::string_view method, std::string_view digest, long long expires_at) const;
  std::string key_;
};

}  // namespace aether
