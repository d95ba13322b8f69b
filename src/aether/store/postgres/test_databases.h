// Test-only helpers for the PostgreSQL store tests: a fresh empty database per store, created
// over the admin URL in AETHER_TEST_DATABASE_URL (test/postgres/pg.sh url) and dropped when the
// test program ends, plus one-off statements on a database. Not thread-safe (test main thread).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "aether/store/postgres/pool.h"
#include "aether/store/postgres/postgres_store.h"

namespace aether::pgtest {

inline std::string AdminUrl() {
  const char* url = std::getenv("AETHER_TEST_DATABASE_URL");
  return url != nullptr ? url : "";
}

// `url` with its database replaced by `db` (URL or key=value form).
inline std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url + " dbname=" + db;
  size_t query = url.find('?', scheme + 3);
  size_t path = url.find('/', scheme + 3);
  if (path == std::string::npos || path > query) path = query;
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, path == std::string::npos ? url.size() : path) + "/" + db + rest;
}

// Runs `sql` on the database at `url`; the rows, or a failure naming the server's message.
inline Result<pg::Rows> Sql(const std::string& url, const std::string& sql) {
  AETHER_ASSIGN_OR_RETURN(auto conn, pg::Conn::Connect(url, 5));
  auto rows = conn->Query(sql);
  if (!rows.ok()) return Status(rows.status().code(), conn->last_error());
  return rows;
}

// Drops the databases this program created when it ends.
class Databases : public ::testing::Environment {
 public:
  void TearDown() override {
    for (const auto& name : names_) {
      (void)Sql(AdminUrl(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }
  std::vector<std::string> names_;
};

inline Databases* const kDatabases = static_cast<Databases*>(
    ::testing::AddGlobalTestEnvironment(new Databases));  // NOLINT(cppcoreguidelines-owning-memory)

// A new empty database; its URL, or "" after reporting a test failure.
inline std::string NewDatabase() {
  std::string admin = AdminUrl();
  if (admin.empty()) {
    ADD_FAILURE() << "AETHER_TEST_DATABASE_URL is not set. Start a throwaway server with "
                     "`bash test/postgres/pg.sh start` and export "
                     "AETHER_TEST_DATABASE_URL=$(bash test/postgres/pg.sh url), or run these "
                     "tests through ctest, which does both.";
    return "";
  }
  static std::atomic<int> counter{0};
  std::string name = "aether_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter) +
                     "_" + std::to_string(std::random_device()() % 100000);
  auto created = Sql(admin, "CREATE DATABASE " + name);
  if (!created.ok()) {
    ADD_FAILURE() << "CREATE DATABASE on " << RedactDatabaseUrl(admin) << ": "
                  << created.status().ToString();
    return "";
  }
  kDatabases->names_.push_back(name);
  return WithDatabase(admin, name);
}

// OpenPostgresStore on `url`; nullptr after reporting a failure.
inline std::unique_ptr<MetadataStore> OpenOrFail(const std::string& url) {
  if (url.empty()) return nullptr;
  auto store = OpenPostgresStore({url});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

}  // namespace aether::pgtest
