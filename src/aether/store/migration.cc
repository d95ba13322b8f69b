// Schema version checks shared by the SQL stores.
#include "aether/store/migration.h"

#include <algorithm>

namespace aether {

int LatestVersion(std::span<const Migration> migrations) {
  int latest = 0;
  for (const auto& m : migrations) latest = std::max(latest, m.version);
  return latest;
}

Status CheckSchemaVersion(std::string_view engine, int database_version,
                          std::span<const Migration> migrations) {
  int known = LatestVersion(migrations);
  if (database_version <= known) return Status::Ok();
  return FailedPrecondition(std::string(engine) + " schema is at version " +
                            std::to_string(database_version) +
                            " but this aetherd knows only up to " + std::to_string(known) +
                            "; run a newer aetherd (or restore a backup)");
}

}  // namespace aether
