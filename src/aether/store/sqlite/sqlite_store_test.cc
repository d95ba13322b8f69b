// Runs the MetadataStore contract against SQLite (in memory and on disk), plus what only SQLite
// has: persistence, versioned migrations, adopting a previous release's database, refusing a
// newer schema and rolling back a failing migration.
#include "aether/store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "aether/store/sqlite/sqlite_migrations.h"
#include "aether/store/store_contract.h"

namespace aether {

std::unique_ptr<MetadataStore> OpenOrDie(const std::string& path) {
  auto s = OpenSqliteStore(path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// A path for a new database in this process's own directory, removed when the tests end.
std::string FreshPath(const std::string& stem) {
  struct Dir {
    std::filesystem::path path = std::filesystem::path(::testing::TempDir()) /
                                 ("aether-sqlite-test-" + std::to_string(::getpid()));
    Dir() { std::filesystem::create_directories(path); }
    ~Dir() { std::filesystem::remove_all(path); }
  };
  static Dir dir;
  static std::atomic<int> counter{0};
  return (dir.path / (stem + "-" + std::to_string(counter++) + ".db")).string();
}

namespace {

// Runs `sql` on the database at `path` over a separate connection; each row as "a|b|c".
std::vector<std::string> Query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> rows;
  auto collect = [](void* out, int n, char** values, char**) {
    std::string row;
    for (int i = 0; i < n; ++i) row += (i ? "|" : "") + std::string(values[i] ? values[i] : "");
    static_cast<std::vector<std::string>*>(out)->push_back(row);
    return 0;
  };
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), collect, &rows, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
  return rows;
}

std::vector<std::string> Schema(const std::string& path) {
  return Query(path, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name");
}

TEST(SqliteStore, PersistsAcrossReopen) {
  auto path = FreshPath("persist");
  {
    auto s = OpenOrDie(path);
    ASSERT_TRUE(s->CreateApp({"web", "t0", ""}).ok());
    Deployment d;
    d.id = "dep_1";
    d.app = "web";
    d.config = {{"FOO", "bar"}};
    ASSERT_TRUE(s->CreateDeployment(d).ok());
    ArtifactRecord a;
    a.digest = "sha256:a";
    a.app = "web";
    a.layers = {"sha256:l"};
    ASSERT_TRUE(s->PutArtifact(a).ok());
  }
  auto s = OpenOrDie(path);
  EXPECT_TRUE(s->GetApp("web").ok());
  EXPECT_EQ(s->GetRelease("web", 1)->config.at("FOO"), "bar");
  EXPECT_EQ(s->GetArtifact("web", "sha256:a")->layers, std::vector<std::string>{"sha256:l"});
  Deployment next;
  next.id = "dep_2";
  next.app = "web";
  EXPECT_EQ(s->CreateDeployment(next)->version, 2);
}

TEST(SqliteStore, RecordsEachMigrationOnceInSchemaMigrations) {
  auto path = FreshPath("migrations");
  OpenOrDie(path);
  auto rows = Query(path, "SELECT version, name, applied_at <> '' FROM schema_migrations");
  ASSERT_EQ(rows, (std::vector<std::string>{"1|initial|1", "2|releases|1", "3|strategy|1",
                                            "4|tokens|1"}));
  EXPECT_EQ(LatestVersion(sqlite::Migrations()), 4);
  auto before = Schema(path);
  OpenOrDie(path);  // nothing left to apply
  EXPECT_EQ(Query(path, "SELECT COUNT(*) FROM schema_migrations"), std::vector<std::string>{"4"});
  EXPECT_EQ(Schema(path), before);
}

// A data dir from before artifacts carried evidence opens, keeps its rows and gains the columns.
TEST(SqliteStore, AddsEvidenceColumnsToAnOlderDatabase) {
  auto path = FreshPath("old");
  Query(path,
        "CREATE TABLE apps (name TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
        "current_deployment TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE artifacts (app TEXT NOT NULL, digest TEXT NOT NULL, "
        "manifest BLOB NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL,"
        " PRIMARY KEY (app, digest));"
        "INSERT INTO apps VALUES('web','t0','');"
        "INSERT INTO artifacts VALUES('web','sha256:old','{}',3,'t0');");
  auto s = OpenOrDie(path);
  auto old = s->GetArtifact("web", "sha256:old");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->size, 3);
  EXPECT_EQ(old->signature, "");
  EXPECT_TRUE(old->layers.empty());
  ArtifactRecord again = *old;
  again.signed_by = "sha256:k";
  ASSERT_TRUE(s->PutArtifact(again).ok());
  EXPECT_EQ(s->GetArtifact("web", "sha256:old")->signed_by, "sha256:k");
  EXPECT_EQ(Query(path, "SELECT version FROM schema_migrations ORDER BY version"),
            (std::vector<std::string>{"1", "2", "3", "4"}));
}

// The previous release's schema is migration 1 without the schema_migrations table.
TEST(SqliteStore, AdoptsADatabaseOfThePreviousReleaseAndNumbersItsReleases) {
  auto path = FreshPath("previous");
  Query(path, sqlite::Migrations()[0].sql);
  Query(
      path,
      "INSERT INTO apps VALUES('web','t0','dep_3'), ('api','t0','');"
      "INSERT INTO artifacts(app, digest, manifest, size, created_at) VALUES"
      " ('web','sha256:m1','{\"layers\":[{\"digest\":\"sha256:l1\"},{\"digest\":\"sha256:l2\"}]}',"
      "  3,'t1'),"
      " ('web','sha256:m2','not json',4,'t2'),"
      " ('api','sha256:m3','{\"layers\":[\"sha256:odd\",{\"size\":1},{\"digest\":\"sha256:l2\"}]}',"
      "  5,'t3');"
      "INSERT INTO deployments(id, app, artifact, status, reason, url, phases, created_at,"
      " updated_at) VALUES"
      " ('dep_1','web','sha256:m1','superseded','','','[]','t1','t1'),"
      " ('dep_a','api','sha256:m3','running','','','[]','t1','t1'),"
      " ('dep_2','web','sha256:m1','failed','boom','','[]','t2','t2'),"
      " ('dep_3','web','sha256:m1','running','','u','[{\"name\":\"ready\",\"ms\":5}]','t3','t3');"
      "INSERT INTO deployment_events(deployment, time, type, message) VALUES"
      " ('dep_3','t3','running','');"
      "INSERT INTO tokens VALUES('h','tok_1','bootstrap','admin','t0');");
  auto s = OpenOrDie(path);
  EXPECT_EQ(s->GetRelease("web", 1)->id, "dep_1");
  EXPECT_EQ(s->GetRelease("web", 2)->id, "dep_2");
  auto v3 = s->GetRelease("web", 3);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(v3->id, "dep_3");
  EXPECT_EQ(v3->instances, 1);
  EXPECT_TRUE(v3->config.empty());
  EXPECT_EQ(v3->phases.at(0).ms, 5);
  EXPECT_EQ(s->GetRelease("api", 1)->id, "dep_a");
  Deployment next;
  next.id = "dep_4";
  next.app = "web";
  EXPECT_EQ(s->CreateDeployment(next)->version, 4);

  EXPECT_EQ(s->GetArtifact("web", "sha256:m1")->layers,
            (std::vector<std::string>{"sha256:l1", "sha256:l2"}));
  EXPECT_TRUE(s->GetArtifact("web", "sha256:m2")->layers.empty());
  EXPECT_EQ(s->GetArtifact("api", "sha256:m3")->layers, std::vector<std::string>{"sha256:l2"});
  auto listed = s->ListArtifacts("web", {});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 2u);
  EXPECT_EQ(listed->items[0].digest, "sha256:m2");  // registered last
  EXPECT_EQ(s->ListEvents("dep_3", {})->items.size(), 1u);
  EXPECT_EQ(s->FindTokenByHash("h")->id, "tok_1");
  EXPECT_EQ(s->Stats()->running_releases, 1);
  ASSERT_TRUE(s->InsertIdempotency({"k", "h", 0, "", "2026-01-01T00:00:00Z"}).ok());
}

TEST(SqliteStore, RefusesADatabaseFromANewerRelease) {
  auto path = FreshPath("newer");
  ASSERT_TRUE(OpenOrDie(path)->CreateApp({"web", "t0", ""}).ok());
  Query(path, "INSERT INTO schema_migrations VALUES(5, 'future', '2030-01-01T00:00:00Z')");
  auto before = Schema(path);
  auto s = OpenSqliteStore(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.status().message(), CheckSchemaVersion("SQLite", 5, sqlite::Migrations()).message());
  EXPECT_EQ(Schema(path), before);
  EXPECT_EQ(Query(path, "SELECT name FROM apps"), std::vector<std::string>{"web"});
}

TEST(SqliteStore, FailingMigrationLeavesSchemaAndDataAsTheyWere) {
  auto path = FreshPath("failing");
  ASSERT_TRUE(OpenOrDie(path)->CreateApp({"web", "t0", ""}).ok());
  auto schema = Schema(path);
  auto real = sqlite::Migrations();
  std::vector<Migration> migrations(real.begin(), real.end());
  migrations.push_back({5, "broken",
                        "CREATE TABLE extra (x TEXT); ALTER TABLE apps ADD COLUMN z TEXT; "
                        "INSERT INTO apps(name, created_at) VALUES('ghost', 't'); "
                        "DELETE FROM apps WHERE name = 'web'; SELECT * FROM no_such_table;"});
  auto s = OpenSqliteStoreWithMigrations(path, migrations);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("migration 5 (broken)"), std::string::npos)
      << s.status().message();
  EXPECT_NE(s.status().message().find("no_such_table"), std::string::npos);
  EXPECT_EQ(Schema(path), schema);
  EXPECT_EQ(Query(path, "SELECT name FROM apps"), std::vector<std::string>{"web"});
  EXPECT_EQ(Query(path, "SELECT MAX(version) FROM schema_migrations"),
            std::vector<std::string>{"4"});
  EXPECT_TRUE(OpenOrDie(path)->GetApp("web").ok());  // still opens with the real list
}

TEST(SqliteStore, FailingFirstMigrationLeavesANewDatabaseEmpty) {
  auto path = FreshPath("failing-first");
  const Migration broken[] = {{1, "initial", "CREATE TABLE apps (name TEXT); SELECT nope();"}};
  auto s = OpenSqliteStoreWithMigrations(path, broken);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Schema(path).empty());
  EXPECT_TRUE(OpenOrDie(path)->ListApps({})->items.empty());
}

// Two connections to one file (two stores) still never share a version.
TEST(SqliteStore, VersionsStayDistinctAcrossConnections) {
  auto path = FreshPath("two-connections");
  auto first = OpenOrDie(path);
  auto second = OpenOrDie(path);
  ASSERT_TRUE(first->CreateApp({"web", "t0", ""}).ok());
  std::vector<long long> versions[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      MetadataStore& store = t == 0 ? *first : *second;
      for (int i = 0; i < 10; ++i) {
        Deployment d;
        d.id = "dep_" + std::to_string(t) + "_" + std::to_string(i);
        d.app = "web";
        auto created = store.CreateDeployment(d);
        versions[t].push_back(created.ok() ? created->version : -1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<long long> all = versions[0];
  all.insert(all.end(), versions[1].begin(), versions[1].end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<long long>(i) + 1);
}

TEST(SqliteStore, UnopenablePathIsUnavailable) {
  auto s = OpenSqliteStore("/nonexistent-dir/x/y.db");
  EXPECT_EQ(s.status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace aether

AETHER_STORE_CONTRACT(SqliteMemory, [] { return aether::OpenOrDie(":memory:"); });
AETHER_STORE_CONTRACT(SqliteFile, [] { return aether::OpenOrDie(aether::FreshPath("contract")); });
