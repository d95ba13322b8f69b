// Token issuing, bootstrap and authentication.
#include "aether/service/auth.h"

#include "aether/core/files.h"
#include "aether/core/names.h"
#include "aether/crypto/crypto.h"

namespace aether {

std::string AuthService::Redact(std::string_view token) {
  return std::string(token.substr(0, 7)) + "…";
}

Status AuthService::EnsureToken(const std::string& secret, const std::string& name,
                                const std::string& role) {
  std::string hash = crypto::Sha256Hex(secret);
  return store_.PutToken({"tok_" + hash.substr(0, 16), name, hash, role, NowRfc3339()});
}

Result<std::string> AuthService::EnsureBootstrapToken(const std::string& token_file) {
  AETHER_ASSIGN_OR_RETURN(long long admins, store_.CountTokens("admin"));
  if (admins > 0) return std::string();
  std::string secret = "ae_" + crypto::RandomHex(24);
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(token_file, secret + "\n", 0600));
  // Stored only once the file is safely written, so a failure never locks the operator out.
  AETHER_RETURN_IF_ERROR(EnsureToken(secret, "bootstrap-admin", "admin"));
  return Redact(secret);
}

Result<Principal> AuthService::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) {
    return Status(ErrorCode::kUnauthenticated, "missing Authorization: Bearer <token> header");
  }
  if (!authorization.starts_with(kBearer) || authorization.size() == kBearer.size()) {
    return Status(ErrorCode::kUnauthenticated, "Authorization header must be 'Bearer <token>'");
  }
  std::string_view secret = authorization.substr(kBearer.size());
  auto rec = store_.FindTokenByHash(crypto::Sha256Hex(secret));
  if (!rec.ok()) {
    if (rec.status().code() == ErrorCode::kNotFound) {
      return Status(ErrorCode::kUnauthenticated, "invalid token");
    }
    return rec.status();
  }
  return Principal{rec->id, rec->name, rec->role};
}

}  // namespace aether
