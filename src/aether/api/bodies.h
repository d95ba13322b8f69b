// Strict decoders for the API's JSON request bodies, one per route that reads one. Each answers
// kInvalidArgument (400) naming the field for malformed JSON, a non-object body, a missing
// field, a wrong type or a number out of range, validates names (apps, config vars, keys)
// before any store is asked, and never throws. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aether/core/model.h"
#include "aether/core/status.h"
#include "aether/service/auth.h"
#include "aether/service/config_vars.h"
#include "aether/service/evidence.h"
#include "aether/service/releases.h"

namespace aether::api {

// POST /apps: {"name": "<app name>"}.
Result<std::string> DecodeCreateApp(std::string_view body);

// POST /deployments: {"app", "artifact", "config": {"NAME": "value"}, "strategy"}.
struct DeployBody {
  std::string app;
  std::string artifact;
  ConfigMap config;
  std::string strategy = "rolling";
};
Result<DeployBody> DecodeDeploy(std::string_view body);

// PATCH /apps/{app}/config: {"NAME": "value" | null, …}; names are environment variable names.
Result<ConfigChanges> DecodeConfigChanges(std::string_view body);

// POST /apps/{app}/scale: {"instances": 1..kMaxInstances}.
Result<int> DecodeScale(std::string_view body);

// POST /apps/{app}/rollback: empty, or {"version": 3 | "v3" | null}.
Result<std::optional<long long>> DecodeRollback(std::string_view body);

// POST /apps/{app}/public-keys: {"public_key": "<PEM>", "name": "<label>"}.
struct KeyBody {
  std::string public_key;
  std::string name;
};
Result<KeyBody> DecodeKey(std::string_view body);

// POST /artifacts/presign, /artifacts/complete, /artifacts/uploads: {"digest", "size"}; size
// is optional (-1 when absent) and non-negative.
Result<std::pair<std::string, long long>> DecodeDigestAndSize(std::string_view body);

// POST /artifacts/missing: {"digests": ["sha256:…", …]}.
Result<std::vector<std::string>> DecodeDigests(std::string_view body);

// POST /artifacts/uploads/{id}/complete: {"parts": [{"number": 1.., "etag": "…"}, …]}.
Result<std::vector<UploadPart>> DecodeParts(std::string_view body);

// POST /apps/{app}/artifacts: the manifest object itself (no evidence), or
// {"manifest": "<exact manifest text>", "digest": "sha256:…", "signature": {…}, "sbom": {…},
//  "provenance": {…}}. Returns the manifest text and the evidence.
Result<std::pair<std::string, Evidence>> DecodeRegistration(std::string_view body);

// POST /tokens: {"name", "scope", "apps": ["<app>", …], "expires_in_seconds": 0..}; the
// values themselves are checked by AuthService::Create.
Result<TokenSpec> DecodeTokenSpec(std::string_view body);

// POST /tokens/{id}/rotate: empty, or {"grace_seconds": 0..}; the default when absent.
Result<long long> DecodeGrace(std::string_view body, long long default_seconds);

}  // namespace aether::api
