// AuditTrail: stamps the time, and drops events past retention when it records.
#include "aether/service/audit.h"

#include <gtest/gtest.h>

#include "aether/core/names.h"

namespace aether {
namespace {

TEST(AuditTrail, RecordsAndPurgesWhatIsPastRetention) {
  auto store = NewMemoryStore();
  ASSERT_TRUE(store
                  ->AppendAudit({0, Rfc3339FromUnixMillis(NowUnixMillis() - 3 * 3'600'000LL),
                                 "tok_1", "old", "POST /apps", "web", 201, "127.0.0.1"})
                  .ok());
  AuditTrail audit(*store, std::chrono::hours(2), std::chrono::seconds(0));
  audit.Record({0, "", "tok_2", "ci", "POST /apps/{app}/scale", "web", 202, "127.0.0.1"});
  auto page = audit.List({.limit = 10, .after = ""});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u) << "the 3-hour-old event is gone";
  EXPECT_EQ(page->items[0].token_name, "ci");
  EXPECT_FALSE(page->items[0].time.empty()) << "stamped";
}

}  // namespace
}  // namespace aether
