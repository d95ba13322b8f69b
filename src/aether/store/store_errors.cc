// Error values shared by the MetadataStore implementations.
#include "aether/store/store_errors.h"

#include <string>

namespace aether::store_errors {

Status AppNotFound(std::string_view app) {
  return NotFound("app '" + std::string(app) + "' not found");
}

Status DeploymentNotFound(std::string_view id) {
  return NotFound("deployment '" + std::string(id) + "' not found");
}

Status ReleaseNotFound(std::string_view app, long long version) {
  return NotFound("app '" + std::string(app) + "' has no release v" + std::to_string(version));
}

Status ArtifactNotFound(std::string_view app, std::string_view digest) {
  return NotFound("artifact " + std::string(digest) + " is not registered for app '" +
                  std::string(app) + "'");
}

Status ArtifactInUse(std::string_view app, std::string_view digest) {
  return Status(ErrorCode::kConflict, "artifact " + std::string(digest) +
                                          " is used by a release of app '" + std::string(app) +
                                          "'");
}

Status KeyNotFound(std::string_view app, std::string_view id) {
  return NotFound("key " + std::string(id) + " is not registered for app '" + std::string(app) +
                  "'");
}

Status IdempotencyNotFound(std::string_view key) {
  return NotFound("idempotency key '" + std::string(key) + "' not found");
}

Status StaleRelease(std::string_view app, long long version) {
  return {ErrorCode::kConflict, "release v" + std::to_string(version) + " of app '" +
                                    std::string(app) + "' was created by another change meanwhile"};
}

}  // namespace aether::store_errors
