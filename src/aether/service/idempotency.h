// IdempotencyService: Idempotency-Key semantics for mutating requests. The first request with
// a key claims it and its answer is kept for 24 h; a retry of the same request gets that answer
// again; the same key with another request, or while the first is still in flight, is
// kIdempotencyConflict. Keys are scoped to the caller (token). Thread-safe (the store is).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "aether/store/store.h"

namespace aether {

class IdempotencyService {
 public:
  struct Answer {
    int status = 0;
    std::string body;
  };

  // Keys older than `ttl` are deleted, at most once per `purge_every`.
  explicit IdempotencyService(MetadataStore& store,
                              std::chrono::seconds ttl = std::chrono::hours(24),
                              std::chrono::seconds purge_every = std::chrono::minutes(1))
      : store_(store), ttl_(ttl), purge_every_(purge_every) {}

  // Claims (scope, key) for a request hashing to `request_hash`. nullopt: go ahead, then call
  // Finish. An Answer: replay it. kInvalidArgument for a malformed key.
  Result<std::optional<Answer>> Begin(const std::string& scope, const std::string& key,
                                      const std::string& request_hash);
  // Keeps the answer for retries; a 5xx answer releases the key instead, so a retry runs again.
  void Finish(const std::string& scope, const std::string& key, const Answer& answer);

 private:
  void PurgeExpired();

  MetadataStore& store_;
  std::chrono::seconds ttl_;
  std::chrono::seconds purge_every_;
  std::atomic<long long> last_purge_ms_{0};
};

}  // namespace aether
