// Token issuing, rotation, revocation, bootstrap and authentication.
#include "aether/service/auth.h"

#include <algorithm>

#include "aether/core/files.h"
#include "aether/core/names.h"
#include "aether/crypto/crypto.h"

namespace aether {
namespace {

constexpr long long kTouchEveryMs = 60'000;
constexpr long long kMaxTtlSeconds = 10LL * 365 * 24 * 3600;
constexpr std::chrono::seconds kMaxGrace{30LL * 24 * 3600};

std::string NewSecret() { return "ae_" + crypto::RandomHex(24); }

Status ValidateTokenName(std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
      });
  if (ok) return Status::Ok();
  return InvalidArgument("token name must be 1-64 characters of letters, digits, '-', '_' or '.'");
}

Status Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}

}  // namespace

bool Principal::Grants(Scope needed) const {
  switch (needed) {
    case Scope::kAny:
      return true;
    case Scope::kPull:
      return role == "pull" || role == "deploy" || role == "admin";
    case Scope::kRead:
      return role == "read" || role == "deploy" || role == "admin";
    case Scope::kDeploy:
      return role == "deploy" || role == "admin";
    case Scope::kAdmin:
      return role == "admin";
  }
  return false;
}

bool Principal::MaySee(std::string_view app) const {
  return apps.empty() || std::find(apps.begin(), apps.end(), app) != apps.end();
}

AuthService::AuthService(MetadataStore& store, Clock now)
    : store_(store), now_(now ? std::move(now) : Clock(NowUnixMillis)) {}

std::string AuthService::Now() const { return Rfc3339FromUnixMillis(now_()); }

std::string AuthService::Redact(std::string_view token) {
  return std::string(token.substr(0, 7)) + "…";
}

bool AuthService::ValidRole(std::string_view role) {
  return role == "admin" || role == "deploy" || role == "read" || role == "pull";
}

Status AuthService::EnsureToken(const std::string& secret, const std::string& name,
                                const std::string& role) {
  TokenRecord t;
  t.hash = crypto::Sha256Hex(secret);
  t.id = "tok_" + t.hash.substr(0, 16);
  t.name = name;
  t.role = role;
  t.created_at = Now();
  return store_.PutToken(t);
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
    if (seed.secret.size() < 16 || !ValidateTokenName(seed.name).ok() || !ValidRole(seed.role)) {
      return InvalidArgument("AETHER_API_TOKENS entry " + std::to_string(position) +
                             " must be secret:role:name with a secret of 16 or more characters, "
                             "role admin, deploy, read or pull, and a name of letters, digits, "
                             "'-', '_' or '.'");
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
  std::string secret = NewSecret();
  AETHER_RETURN_IF_ERROR(WriteFileAtomic(token_file, secret + "\n", 0600));
  // Stored only once the file is safely written, so a failure never locks the operator out.
  AETHER_RETURN_IF_ERROR(EnsureToken(secret, "bootstrap-admin", "admin"));
  (void)store_.AppendAudit({0, Now(), "", "aetherd", "token.bootstrap", "bootstrap-admin", 0, ""});
  return Redact(secret);
}

Result<Principal> AuthService::Authenticate(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) {
    return Unauthenticated("missing Authorization: Bearer <token> header");
  }
  if (!authorization.starts_with(kBearer) || authorization.size() == kBearer.size()) {
    return Unauthenticated("Authorization header must be 'Bearer <token>'");
  }
  std::string hash = crypto::Sha256Hex(authorization.substr(kBearer.size()));
  auto rec = store_.FindTokenByHash(hash);
  if (!rec.ok()) {
    if (rec.status().code() == ErrorCode::kNotFound) return Unauthenticated("invalid token");
    return rec.status();
  }
  const std::string now = Now();
  if (!rec->revoked_at.empty()) return Unauthenticated("token has been revoked");
  if (!rec->expires_at.empty() && now >= rec->expires_at) {
    return Unauthenticated("token expired at " + rec->expires_at);
  }
  if (rec->hash != hash && now >= rec->previous_until) {
    return Unauthenticated("token was rotated; its grace period ended at " + rec->previous_until);
  }
  NoteUse(rec->id);
  return Principal{rec->id, rec->name, rec->role, rec->apps};
}

void AuthService::NoteUse(const std::string& id) {
  const long long now = now_();
  {
    std::lock_guard lock(mu_);
    long long& last = last_touch_[id];
    if (last != 0 && now - last < kTouchEveryMs) return;
    last = now;
  }
  (void)store_.TouchToken(id, Rfc3339FromUnixMillis(now));  // best effort
}

Result<IssuedToken> AuthService::Create(const TokenSpec& spec) {
  AETHER_RETURN_IF_ERROR(ValidateTokenName(spec.name));
  if (!ValidRole(spec.role)) {
    return InvalidArgument("scope must be admin, deploy, read or pull, not '" + spec.role + "'");
  }
  for (const std::string& app : spec.apps) AETHER_RETURN_IF_ERROR(ValidateAppName(app));
  if (spec.ttl_seconds < 0 || spec.ttl_seconds > kMaxTtlSeconds) {
    return InvalidArgument("expires_in_seconds must be between 1 and " +
                           std::to_string(kMaxTtlSeconds) + " (or 0 for no expiry)");
  }
  IssuedToken issued;
  issued.secret = NewSecret();
  TokenRecord& t = issued.token;
  t.id = NewId("tok");
  t.name = spec.name;
  t.hash = crypto::Sha256Hex(issued.secret);
  t.role = spec.role;
  t.created_at = Now();
  t.apps = spec.apps;
  std::sort(t.apps.begin(), t.apps.end());
  t.apps.erase(std::unique(t.apps.begin(), t.apps.end()), t.apps.end());
  if (spec.ttl_seconds > 0) t.expires_at = Rfc3339FromUnixMillis(now_() + spec.ttl_seconds * 1000);
  AETHER_RETURN_IF_ERROR(store_.PutToken(t));
  return issued;
}

Result<std::vector<TokenRecord>> AuthService::List() { return store_.ListTokens(); }

Result<TokenRecord> AuthService::Get(std::string_view id) { return store_.GetToken(id); }

Result<TokenRecord> AuthService::Revoke(std::string_view id) {
  AETHER_ASSIGN_OR_RETURN(TokenRecord t, store_.GetToken(id));
  if (!t.revoked_at.empty()) return t;
  const std::string hash = t.hash;
  t.revoked_at = Now();
  AETHER_RETURN_IF_ERROR(store_.UpdateToken(t, hash));
  return t;
}

Result<IssuedToken> AuthService::Rotate(std::string_view id, std::chrono::seconds grace) {
  if (grace.count() < 0 || grace > kMaxGrace) {
    return InvalidArgument("grace_seconds must be between 0 and " +
                           std::to_string(kMaxGrace.count()));
  }
  AETHER_ASSIGN_OR_RETURN(TokenRecord t, store_.GetToken(id));
  if (!t.revoked_at.empty()) {
    return FailedPrecondition("token '" + t.id + "' is revoked; create a new one");
  }
  IssuedToken issued;
  issued.secret = NewSecret();
  const std::string old_hash = t.hash;
  t.previous_hash = old_hash;
  t.previous_until = Rfc3339FromUnixMillis(now_() + grace.count() * 1000);
  t.hash = crypto::Sha256Hex(issued.secret);
  AETHER_RETURN_IF_ERROR(store_.UpdateToken(t, old_hash));
  issued.token = std::move(t);
  return issued;
}

}  // namespace aether
