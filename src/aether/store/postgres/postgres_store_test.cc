// Runs the MetadataStore contract against PostgreSQL (a fresh database per test), plus the
// PostgreSQL specifics: versioned migrations, replicas sharing a database, exact bytes and URL
// redaction. Needs AETHER_TEST_DATABASE_URL (ctest provides it); fails, never skips, without.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "aether/store/postgres/postgres_internal.h"
#include "aether/store/postgres/test_databases.h"
#include "aether/store/store_contract.h"

AETHER_STORE_CONTRACT(Postgres,
                      [] { return aether::pgtest::OpenOrFail(aether::pgtest::NewDatabase()); });

namespace aether {
namespace {

using pgtest::NewDatabase;
using pgtest::OpenOrFail;
using pgtest::Sql;

int Latest() { return LatestVersion(pg::Migrations()); }

TEST(PostgresMigrations, EveryMigrationIsRecordedOnce) {
  std::string url = NewDatabase();
  ASSERT_NE(OpenOrFail(url), nullptr);
  auto rows = Sql(url, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), static_cast<int>(pg::Migrations().size()));
  for (int i = 0; i < rows->size(); ++i) {
    EXPECT_EQ(rows->Int(i, 0), pg::Migrations()[i].version);
    EXPECT_EQ(rows->Text(i, 1), pg::Migrations()[i].name);
    EXPECT_TRUE(
        std::regex_match(rows->Text(i, 2), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
        << rows->Text(i, 2);
  }
  EXPECT_EQ(rows->Int(rows->size() - 1, 0), Latest());
}

TEST(PostgresMigrations, ReopeningIsANoOpAndKeepsTheData) {
  std::string url = NewDatabase();
  {
    auto store = OpenOrFail(url);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateApp({"web", "t0", ""}).ok());
  }
  auto before = Sql(url,
                    "SELECT string_agg(version || name || applied_at, ',') FROM "
                    "schema_migrations");
  ASSERT_TRUE(before.ok());
  auto store = OpenOrFail(url);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetApp("web").ok());
  auto after = Sql(url,
                   "SELECT string_agg(version || name || applied_at, ',') FROM "
                   "schema_migrations");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->Text(0, 0), before->Text(0, 0));
}

TEST(PostgresMigrations, ASchemaNewerThanTheBinaryIsRefused) {
  std::string url = NewDatabase();
  ASSERT_NE(OpenOrFail(url), nullptr);
  int future = Latest() + 1;
  ASSERT_TRUE(Sql(url, "INSERT INTO schema_migrations VALUES (" + std::to_string(future) +
                           ", 'from a newer aetherd', '2030-01-01T00:00:00Z')")
                  .ok());
  auto refused = OpenPostgresStore({url});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  std::string message = refused.status().message();
  EXPECT_NE(message.find("PostgreSQL schema is at version " + std::to_string(future)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("knows only up to " + std::to_string(Latest())), std::string::npos)
      << message;
}

TEST(PostgresMigrations, AFailingMigrationLeavesTheSchemaAsItWas) {
  std::string url = NewDatabase();
  ASSERT_FALSE(url.empty());
  std::vector<Migration> migrations(pg::Migrations().begin(), pg::Migrations().end());
  int broken = Latest() + 1;
  migrations.push_back({broken, "broken",
                        "CREATE TABLE half_done (x INT); ALTER TABLE apps ADD COLUMN extra TEXT; "
                        "INSERT INTO half_done VALUES (1); SELEC 1"});
  auto failed = OpenPostgresStoreForTest({url}, migrations);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("migration " + std::to_string(broken) + " (broken)"),
            std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("syntax error"), std::string::npos)
      << failed.status().message();

  // The good migrations before it are applied and recorded; nothing of the broken one is.
  auto version = Sql(url, "SELECT MAX(version) FROM schema_migrations");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->Int(0, 0), Latest());
  auto table = Sql(url, "SELECT to_regclass('half_done') IS NULL");
  ASSERT_TRUE(table.ok());
  EXPECT_TRUE(table->Bool(0, 0));
  auto column = Sql(url,
                    "SELECT COUNT(*) FROM information_schema.columns "
                    "WHERE table_name = 'apps' AND column_name = 'extra'");
  ASSERT_TRUE(column.ok());
  EXPECT_EQ(column->Int(0, 0), 0);

  // Failing again changes nothing; the binary's own list opens the database fine.
  EXPECT_FALSE(OpenPostgresStoreForTest({url}, migrations).ok());
  auto store = OpenOrFail(url);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->CreateApp({"web", "t0", ""}).ok());
}

TEST(PostgresMigrations, ReplicasStartingTogetherMigrateOnce) {
  std::string url = NewDatabase();
  ASSERT_FALSE(url.empty());
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&url, &result] { result = OpenPostgresStore({url}).status(); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.ToString();
  auto rows = Sql(url, "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, 0), Latest());
  EXPECT_EQ(rows->Int(0, 1), Latest());
}

// Two aetherd replicas on one database, three threads each: versions stay distinct and dense.
TEST(PostgresStore, ReplicasCreatingReleasesConcurrentlyGetConsecutiveVersions) {
  std::string url = NewDatabase();
  auto first = OpenOrFail(url);
  auto second = OpenOrFail(url);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->CreateApp({"web", "t0", ""}).ok());
  constexpr int kThreads = 6;
  constexpr int kEach = 8;
  std::vector<std::vector<long long>> versions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    MetadataStore* store = t % 2 == 0 ? first.get() : second.get();
    threads.emplace_back([&versions, store, t] {
      for (int i = 0; i < kEach; ++i) {
        Deployment d;
        d.id = "dep_" + std::to_string(t) + "_" + std::to_string(i);
        d.app = "web";
        auto created = store->CreateDeployment(d);
        versions[t].push_back(created.ok() ? created->version : -1);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<long long> all;
  for (const auto& v : versions) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  std::vector<long long> expected(all.size());
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<long long>(i) + 1;
  EXPECT_EQ(all, expected);
}

TEST(PostgresStore, ManifestsAndResponsesKeepTheirExactBytes) {
  auto store = OpenOrFail(NewDatabase());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateApp({"web", "t0", ""}).ok());
  constexpr char kRaw[] = "{\"a\":\"\0\xff\xfe\"}\n";  // a NUL and bytes that are not UTF-8
  const std::string bytes(kRaw, sizeof(kRaw) - 1);
  ArtifactRecord a;
  a.app = "web";
  a.digest = "sha256:" + std::string(64, 'b');
  a.manifest = bytes;
  ASSERT_TRUE(store->PutArtifact(a).ok());
  EXPECT_EQ(store->GetArtifact("web", a.digest)->manifest, bytes);
  ASSERT_TRUE(store->InsertIdempotency({"k", "h", 0, "", "2026-01-01T00:00:00Z"}).ok());
  ASSERT_TRUE(store->CompleteIdempotency("k", 200, bytes).ok());
  EXPECT_EQ(store->GetIdempotency("k")->response, bytes);
}

// Text the database refuses (not UTF-8) is the caller's mistake, not a server error (500).
TEST(PostgresStore, TextThatIsNotUtf8IsInvalidArgument) {
  auto store = OpenOrFail(NewDatabase());
  ASSERT_NE(store, nullptr);
  Status s = store->CreateApp({"caf\xe9", "t0", ""});
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.message().find("caf"), std::string::npos) << s.message();
  EXPECT_TRUE(store->Ping().ok());  // the connection is fine afterwards
}

TEST(PostgresStore, RedactsThePasswordOfADatabaseUrl) {
  EXPECT_EQ(
      RedactDatabaseUrl("postgresql://aether:s3cr%40t@db.internal:5432/aether?sslmode=require"),
      "postgresql://aether:***@db.internal:5432/aether?sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgres://aether@db/aether"), "postgres://aether@db/aether");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db/aether?user=a&password=pw&x=1"),
            "postgresql://db/aether?user=a&password=***&x=1");
  EXPECT_EQ(RedactDatabaseUrl("host=db password='a b' dbname=aether"),
            "host=db password=*** dbname=aether");
}

}  // namespace
}  // namespace aether
