// AuthService: bearer tokens. Secrets are random, shown once, and stored only as sha256 hashes.
// Each token has a scope (admin ⊃ deploy ⊃ read; pull for agents), optionally a list of apps,
// an expiry, a last-used time, and can be revoked or rotated (the old secret stays valid for a
// grace period). On first start a bootstrap admin token is written to a 0600 file.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"
#include "aether/store/store.h"

namespace aether {

// What a route needs from the caller's token.
enum class Scope {
  kAny,     // any valid token (whoami)
  kPull,    // artifact reads: pull, deploy or admin
  kRead,    // reading apps, releases and logs: read, deploy or admin
  kDeploy,  // deploying, config, scale, rollback: deploy or admin
  kAdmin,   // apps delete, signing keys, tokens, audit
};

struct Principal {
  std::string token_id;
  std::string name;
  std::string role;               // "admin", "deploy", "read" or "pull"
  std::vector<std::string> apps;  // empty: every app

  bool Grants(Scope needed) const;
  bool MaySee(std::string_view app) const;  // apps empty or listed
};

class AuthService {
 public:
  using Clock = std::function<long long()>;  // Unix milliseconds
  explicit AuthService(MetadataStore& store, Clock now = nullptr);

  // Creates the admin token and writes it to `token_file` (0600) unless an admin token exists
  // already. Returns a redacted form for logs ("ae_1a2b…") or "" if nothing was created.
  Result<std::string> EnsureBootstrapToken(const std::string& token_file);
  // Makes `secret` a valid token with `role` (idempotent: the record is keyed by its hash; a
  // revoked one stays revoked).
  Status EnsureToken(const std::string& secret, const std::string& name, const std::string& role);
  // Seeds tokens from AETHER_API_TOKENS: "secret:role:name" entries separated by commas, role
  // admin, deploy, read or pull. Idempotent. kInvalidArgument naming the entry (by position,
  // never by secret) when one is malformed; nothing is stored then.
  Status SeedTokens(std::string_view csv);
  // Checks an "Authorization" header value ("Bearer <secret>"): kUnauthenticated for a missing,
  // malformed, unknown, revoked, expired or rotated-out token. Records the last use (at most
  // once a minute per token).
  Result<Principal> Authenticate(std::string_view authorization);

  Result<IssuedToken> Create(const TokenSpec& spec);
  Result<std::vector<TokenRecord>> List();
  Result<TokenRecord> Get(std::string_view id);
  // Revoking twice is fine (the first time is kept).
  Result<TokenRecord> Revoke(std::string_view id);
  // A new secret; the old one keeps working for `grace` (0: refused at once).
  // kFailedPrecondition for a revoked token.
  Result<IssuedToken> Rotate(std::string_view id, std::chrono::seconds grace);

  static std::string Redact(std::string_view token);
  static bool ValidRole(std::string_view role);

 private:
  std::string Now() const;
  void NoteUse(const std::string& id);

  MetadataStore& store_;
  Clock now_;
  std::mutex mu_;
  std::map<std::string, long long> last_touch_;  // token id → when its last_used_at was set
};

}  // namespace aether
