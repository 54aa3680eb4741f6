// `statehouse migrate` on both engines, and serve refusing a schema newer
// than it knows.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "test/fakes/pg_cluster.h"
#include "test/fakes/temp_dir.h"
#include "test/integration/harness.h"

namespace statehouse::testing {
namespace {

void ExecSqlite(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

constexpr char kFutureMigrationSql[] =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)";

TEST(MigrateTest, SqliteMigrateCreatesTheSchemaThenServeUsesIt) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  CommandResult migrated = RunBinary("migrate --data-dir " + ShellQuote(data));
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  EXPECT_NE(migrated.output.find("sqlite schema at version"), std::string::npos) << migrated.output;
  EXPECT_TRUE(std::filesystem::exists(data + "/statehouse.db"));
  // Idempotent.
  CommandResult again = RunBinary("migrate --data-dir " + ShellQuote(data));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output, migrated.output);
}

TEST(MigrateTest, SqliteServeAndMigrateRefuseANewerSchema) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  ASSERT_EQ(RunBinary("migrate --data-dir " + ShellQuote(data)).exit_code, 0);
  ExecSqlite(data + "/statehouse.db", kFutureMigrationSql);
  CommandResult serve =
      RunBinary("serve --listen 127.0.0.1:0 --data-dir " + ShellQuote(data) + " --no-access-log");
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find("9999"), std::string::npos) << serve.output;
  CommandResult migrate = RunBinary("migrate --data-dir " + ShellQuote(data));
  EXPECT_EQ(migrate.exit_code, 1) << migrate.output;
}

TEST(MigrateTest, PostgresMigrateAppliesEveryMigrationOnce) {
  auto url = CreateTestDatabase(TestDatabaseSchema::kEmpty);
  ASSERT_TRUE(url.has_value()) << url.error().message;
  CommandResult migrated = RunBinary("migrate --database " + ShellQuote(*url));
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  EXPECT_NE(migrated.output.find("postgres schema at version"), std::string::npos)
      << migrated.output;
  CommandResult again = RunBinary("migrate --database " + ShellQuote(*url));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output, migrated.output);

  TempDir dir;
  ServerConfig config;
  config.database_url = *url;
  ServerProcess server(config);
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  EXPECT_EQ(admin.Get("/api/user").status, 200);
  server.Stop();
  (void)DropTestDatabase(*url);
}

TEST(MigrateTest, PostgresServeAndMigrateRefuseANewerSchema) {
  auto url = CreateTestDatabase(TestDatabaseSchema::kMigrated);
  ASSERT_TRUE(url.has_value()) << url.error().message;
  EXPECT_EQ(RunSql(*url, kFutureMigrationSql), "");
  TempDir dir;
  CommandResult serve = RunBinary("serve --listen 127.0.0.1:0 --data-dir " +
                                  ShellQuote(dir.path() + "/data") + " --database " + ShellQuote(*url) +
                                  " --no-access-log");
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find("9999"), std::string::npos) << serve.output;
  CommandResult migrate = RunBinary("migrate --database " + ShellQuote(*url));
  EXPECT_EQ(migrate.exit_code, 1) << migrate.output;
  (void)DropTestDatabase(*url);
}

TEST(MigrateTest, ServeRefusesADatabaseUrlThatIsNotPostgres) {
  TempDir dir;
  CommandResult serve = RunBinary("serve --listen 127.0.0.1:0 --data-dir " +
                                  ShellQuote(dir.path() + "/data") + " --database mysql://x/y");
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find("PostgreSQL URL"), std::string::npos) << serve.output;
}

}  // namespace
}  // namespace statehouse::testing
