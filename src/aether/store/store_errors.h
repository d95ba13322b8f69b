// Error values shared by the MetadataStore implementations, so every store words its answers
// alike (the API layer shows these messages). Stateless functions; thread-safe.
#pragma once

#include <string_view>

#include "aether/core/status.h"

namespace aether::store_errors {

Status AppNotFound(std::string_view app);
Status DeploymentNotFound(std::string_view id);
Status ReleaseNotFound(std::string_view app, long long version);
Status ArtifactNotFound(std::string_view app, std::string_view digest);
Status ArtifactInUse(std::string_view app, std::string_view digest);  // kConflict
// kConflict: a release with an expected version lost the race to another one.
Status StaleRelease(std::string_view app, long long version);
Status KeyNotFound(std::string_view app, std::string_view id);
Status IdempotencyNotFound(std::string_view key);

}  // namespace aether::store_errors
