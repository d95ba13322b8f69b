// AuditTrail: who did what — every use of a token on a mutating route (refusals included) and
// token changes — kept in the metadata store for a retention period. Recording is best effort
// (a failing store never fails the request it describes). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>

#include "aether/core/status.h"
#include "aether/store/store.h"

namespace aether {

class AuditTrail {
 public:
  // Events older than `keep` are deleted, checked at most once per `purge_every`.
  explicit AuditTrail(MetadataStore& store, std::chrono::hours keep = std::chrono::hours(24 * 90),
                      std::chrono::seconds purge_every = std::chrono::hours(1))
      : store_(store), keep_(keep), purge_every_(purge_every) {}

  // Stamps the time when `event.time` is empty.
  void Record(AuditEvent event);
  // Newest first.
  Result<Page<AuditEvent>> List(const PageRequest& page) { return store_.ListAudit(page); }

 private:
  MetadataStore& store_;
  std::chrono::hours keep_;
  std::chrono::seconds purge_every_;
  std::atomic<long long> last_purge_ms_{0};
};

}  // namespace aether
