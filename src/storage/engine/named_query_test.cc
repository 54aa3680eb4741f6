// Every named query exists for both engines, under one name, and prepares
// against a freshly migrated database of each engine.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "storage/engine/engine.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_connection.h"
#include "storage/sqlite/sqlite_connection.h"
#include "storage/sqlite/sqlite_dialect.h"
#include "storage/sqlite/sqlite_store.h"
#include "test/fakes/pg_cluster.h"
#include "test/fakes/temp_dir.h"

namespace statehouse::storage {
namespace {

TEST(NamedQueryTest, EveryQueryHasOneUniqueNameAndATextForEachEngine) {
  const auto& queries = AllNamedQueries();
  // The stores define well over a hundred; an empty registry means the
  // registrations were not linked.
  ASSERT_GT(queries.size(), 100u);
  std::set<std::string> names;
  for (const NamedQuery* query : queries) {
    ASSERT_NE(query->name, nullptr);
    EXPECT_TRUE(names.insert(query->name).second) << "duplicate query name " << query->name;
    EXPECT_TRUE(query->sqlite != nullptr && *query->sqlite != '\0')
        << query->name << " has no SQLite text";
    EXPECT_TRUE(query->postgres != nullptr && *query->postgres != '\0')
        << query->name << " has no PostgreSQL text";
  }
}

TEST(MigrationsTest, AreNumberedTogetherWithoutGapsWithAScriptForEachEngine) {
  int expected = 1;
  for (const Migration& migration : AllMigrations()) {
    EXPECT_EQ(migration.version, expected++);
    EXPECT_NE(std::string(migration.name), "");
    EXPECT_NE(std::string(migration.sqlite), "") << migration.name;
    EXPECT_NE(std::string(migration.postgres), "") << migration.name;
  }
  EXPECT_EQ(LatestSchemaVersion(), expected - 1);
}

TEST(NamedQueryTest, EveryQueryPreparesOnSqlite) {
  testing::TempDir dir;
  SqliteOptions options;
  options.path = dir.path() + "/db.sqlite";
  options.pool_size = 1;
  ASSERT_TRUE(OpenSqliteStore(options).has_value());  // migrates
  auto conn = sqlite::Connection::Open(options);
  ASSERT_TRUE(conn.has_value()) << conn.error().detail;
  for (const NamedQuery* query : AllNamedQueries()) {
    for (const std::string& text :
         sqlite::SplitStatements(sqlite::TranslateForSqlite(query->sqlite))) {
      auto stmt = (*conn)->PrepareUncached(text);
      EXPECT_TRUE(stmt.has_value()) << query->name << ": " << stmt.error().detail;
    }
  }
}

TEST(NamedQueryTest, EveryQueryPreparesOnPostgres) {
  auto url = testing::CreateTestDatabase();
  ASSERT_TRUE(url.has_value()) << url.error().message << " " << url.error().detail;
  auto conn = pg::Connection::Open(*url, 5000);
  ASSERT_TRUE(conn.has_value()) << conn.error().detail;
  for (const NamedQuery* query : AllNamedQueries()) {
    auto prepared = (*conn)->Prepare(query->postgres);
    EXPECT_TRUE(prepared.has_value()) << query->name << ": " << prepared.error().detail;
  }
  (void)testing::DropTestDatabase(*url);
}

}  // namespace
}  // namespace statehouse::storage
