// Runs the MetadataStore contract against SQLite (in memory and on disk), plus persistence.
#include "aether/store/sqlite/sqlite_store.h"

#include <sqlite3.h>
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

// A data dir from before artifacts carried evidence opens, keeps its rows and gains the columns.
TEST(SqliteStore, AddsEvidenceColumnsToAnOlderDatabase) {
  auto path = ::testing::TempDir() + "/old-" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE apps (name TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
                         "current_deployment TEXT NOT NULL DEFAULT '');"
                         "CREATE TABLE artifacts (app TEXT NOT NULL, digest TEXT NOT NULL, "
                         "manifest BLOB NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL,"
                         " PRIMARY KEY (app, digest));"
                         "INSERT INTO apps VALUES('web','t0','');"
                         "INSERT INTO artifacts VALUES('web','sha256:old','{}',3,'t0');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto s = OpenOrDie(path);
  auto old = s->GetArtifact("web", "sha256:old");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->size, 3);
  EXPECT_EQ(old->signature, "");
  ArtifactRecord again = *old;
  again.signed_by = "sha256:k";
  ASSERT_TRUE(s->PutArtifact(again).ok());
  EXPECT_EQ(s->GetArtifact("web", "sha256:old")->signed_by, "sha256:k");
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
