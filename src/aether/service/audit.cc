// Recording audit events and dropping the ones past retention.
#include "aether/service/audit.h"

#include "aether/core/names.h"

namespace aether {

void AuditTrail::Record(AuditEvent event) {
  const long long now = NowUnixMillis();
  if (event.time.empty()) event.time = Rfc3339FromUnixMillis(now);
  (void)store_.AppendAudit(event);
  long long last = last_purge_ms_.load();
  if (now - last < purge_every_.count() * 1000 ||
      !last_purge_ms_.compare_exchange_strong(last, now)) {
    return;
  }
  const long long keep_ms = std::chrono::duration_cast<std::chrono::milliseconds>(keep_).count();
  (void)store_.PurgeAudit(Rfc3339FromUnixMillis(now - keep_ms));
}

}  // namespace aether
