// Idempotency-Key claims, replays and expiry.
#include "aether/service/idempotency.h"

#include "aether/core/names.h"

namespace aether {
namespace {

std::string RecordKey(const std::string& scope, const std::string& key) {
  return scope + ":" + key;
}

}  // namespace

Result<std::optional<IdempotencyService::Answer>> IdempotencyService::Begin(
    const std::string& scope, const std::string& key, const std::string& request_hash) {
  if (key.empty() || key.size() > 255) {
    return InvalidArgument("Idempotency-Key must be 1-255 characters");
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return InvalidArgument("Idempotency-Key must be printable ASCII");
  }
  PurgeExpired();
  IdempotencyRecord rec{RecordKey(scope, key), request_hash, 0, "", NowRfc3339()};
  Status inserted = store_.InsertIdempotency(rec);
  if (inserted.ok()) return std::optional<Answer>();
  if (inserted.code() != ErrorCode::kAlreadyExists) return inserted;
  AETHER_ASSIGN_OR_RETURN(IdempotencyRecord first, store_.GetIdempotency(rec.key));
  if (first.request_hash != request_hash) {
    return Status(ErrorCode::kIdempotencyConflict,
                  "Idempotency-Key '" + key + "' was already used with a different request");
  }
  if (first.status == 0) {
    return Status(ErrorCode::kIdempotencyConflict,
                  "a request with Idempotency-Key '" + key + "' is still in progress; retry later");
  }
  return std::optional<Answer>(Answer{first.status, first.response});
}

void IdempotencyService::PurgeExpired() {
  long long now = NowUnixMillis();
  long long last = last_purge_ms_.load();
  if (now - last < purge_every_.count() * 1000 ||
      !last_purge_ms_.compare_exchange_strong(last, now)) {
    return;
  }
  (void)store_.PurgeIdempotency(Rfc3339FromUnixMillis(now - ttl_.count() * 1000));
}

void IdempotencyService::Finish(const std::string& scope, const std::string& key,
                                const Answer& answer) {
  std::string rec = RecordKey(scope, key);
  if (answer.status >= 500) {
    (void)store_.DeleteIdempotency(rec);
  } else {
    (void)store_.CompleteIdempotency(rec, answer.status, answer.body);
  }
}

}  // namespace aether
