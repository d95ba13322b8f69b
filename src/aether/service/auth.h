// AuthService: bearer tokens. Secrets are random, shown once, and stored only as sha256
// hashes. On first start a bootstrap admin token is written to a 0600 file. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/status.h"
#include "aether/store/store.h"

namespace aether {

struct Principal {
  std::string token_id;
  std::string name;
  std::string role;  // "admin", "read" or "pull"
};

class AuthService {
 public:
  explicit AuthService(MetadataStore& store) : store_(store) {}

  // Creates the admin token and writes it to `token_file` (0600) unless an admin token exists
  // already. Returns a redacted form for logs ("ae_1a2b…") or "" if nothing was created.
  Result<std::string> EnsureBootstrapToken(const std::string& token_file);
  // Makes `secret` a valid token with `role` (idempotent: the record is keyed by its hash).
  Status EnsureToken(const std::string& secret, const std::string& name, const std::string& role);
  // Seeds tokens from AETHER_API_TOKENS: "secret:role:name" entries separated by commas, role
  // admin, read (an app's logs) or pull (artifact reads). Idempotent. kInvalidArgument naming
  // the entry (by position, never by secret) when one is malformed; nothing is stored then.
  Status SeedTokens(std::string_view csv);
  // Checks an "Authorization" header value ("Bearer <secret>").
  Result<Principal> Authenticate(std::string_view authorization) const;

  static std::string Redact(std::string_view token);

 private:
  MetadataStore& store_;
};

}  // namespace aether
