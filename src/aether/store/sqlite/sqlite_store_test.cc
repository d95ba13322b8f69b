// Runs the MetadataStore contract against SQLite (in memory and on disk), plus persistence.
#include "aether/store/sqlite/sqlite_store.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "aether/store/store_contract.h"

namespace aether {

std::unique_ptr<MetadataStore> OpenOrDie(const std::string& path) {
  auto s = OpenSqliteStore(path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

namespace {

TEST(SqliteStore, PersistsAcrossReopen) {
  auto path = ::testing::TempDir() + "/persist-" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s->CreateApp({"web", "t0", ""}).ok());
  }
  auto s = OpenOrDie(path);
  EXPECT_TRUE(s->GetApp("web").ok());
}

TEST(SqliteStore, UnopenablePathIsUnavailable) {
  auto s = OpenSqliteStore("/nonexistent-dir/x/y.db");
  EXPECT_EQ(s.status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace aether

AETHER_STORE_CONTRACT(SqliteMemory, [] { return aether::OpenOrDie(":memory:"); });
AETHER_STORE_CONTRACT(SqliteFile, [] {
  auto path = ::testing::TempDir() + "/contract-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::rand()) + ".db";
  return aether::OpenOrDie(path);
});
