// Factory for the PostgreSQL MetadataStore (DATABASE_URL): the scale-out metadata store. The
// store keeps a small pool of libpq connections and is thread-safe; when the server is down
// every call answers kUnavailable quickly, and the store recovers by itself when it is back.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "aether/store/store.h"

namespace aether {

struct PostgresOptions {
  std::string url;  // postgresql://user:password@host:port/db?… or "host=… dbname=…"
  int pool_size = 4;
  std::chrono::milliseconds connect_timeout{3000};
};

// Connects, applies the missing schema migrations (refusing a schema newer than this binary
// knows with kFailedPrecondition) and returns the store; kUnavailable if the server cannot be
// reached.
Result<std::unique_ptr<MetadataStore>> OpenPostgresStore(const PostgresOptions& options);

// The URL with its password replaced by "***", for logs.
std::string RedactDatabaseUrl(std::string_view url);

}  // namespace aether
