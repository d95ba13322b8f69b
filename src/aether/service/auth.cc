// Token issuing, bootstrap and authentication.
#include "aether/service/auth.h"

#include <algorithm>
#include <vector>

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

Status AuthService::SeedTokens(std::string_view csv) {
  struct Seed {
    std::string secret, role, name;
  };
  std::vector<Seed> seeds;
  size_t position = 0;
  for (size_t start = 0; start <= csv.size();) {
    size_t comma = std::min(csv.find(',', start), csv.size());
    std::string_view entry = csv.substr(start, comma - start);
    start = comma + 1;
    ++position;
    if (entry.empty()) continue;
    size_t a = entry.find(':');
    size_t b = a == std::string_view::npos ? a : entry.find(':', a + 1);
    Seed seed;
    if (b != std::string_view::npos) {
      seed = {std::string(entry.substr(0, a)), std::string(entry.substr(a + 1, b - a - 1)),
              std::string(entry.substr(b + 1))};
    }
    if (seed.secret.size() < 16 || seed.name.empty() ||
        (seed.role != "admin" && seed.role != "read" && seed.role != "pull")) {
      return InvalidArgument("AETHER_API_TOKENS entry " + std::to_string(position) +
                             " must be secret:role:name with a secret of 16 or more characters "
                             "and role admin, read or pull");
    }
    seeds.push_back(std::move(seed));
  }
  for (const Seed& seed : seeds)
    AETHER_RETURN_IF_ERROR(EnsureToken(seed.secret, seed.name, seed.role));
  return Status::Ok();
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
