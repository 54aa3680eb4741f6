// SQLite-specific behaviour of the store; the shared contract is covered by
// src/storage/store_conformance_test.cc.

#include "storage/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/migrations.h"
#include "storage/sqlite/sqlite_engine.h"

namespace statehouse::storage {
namespace {

// A raw connection for inspecting or tampering with the database file.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void Exec(const std::string& sql) {
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
        << sql << ": " << (message != nullptr ? message : "");
    sqlite3_free(message);
  }

  // Every row of `sql`, columns rendered as text and joined with '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) row += "|";
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row += text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/statehouse-sqlite-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/statehouse.db";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  SqliteOptions Options() const {
    SqliteOptions options;
    options.path = path_;
    return options;
  }

  StorePtr Open() {
    auto store = OpenSqliteStore(Options());
    EXPECT_TRUE(store.has_value()) << store.error().message << " " << store.error().detail;
    return store ? std::move(*store) : nullptr;
  }

  std::string dir_;
  std::string path_;
};

UserRecord MakeUser(const std::string& login) {
  UserRecord user;
  user.id = "u-" + login;
  user.login = login;
  user.created = 1;
  return user;
}

OrgRecord MakeOrg(const std::string& name) {
  OrgRecord org;
  org.id = "o-" + name;
  org.name = name;
  org.created = 1;
  return org;
}

TEST_F(SqliteStoreTest, OpensInWalMode) {
  StorePtr store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_STREQ(store->Engine(), "sqlite");
  RawDb raw(path_);
  EXPECT_EQ(raw.Rows("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
}

TEST_F(SqliteStoreTest, PoolHasConfiguredSize) {
  SqliteOptions options = Options();
  options.pool_size = 3;
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.has_value()) << store.error().detail;
  PoolStats stats = (*store)->Stats();
  EXPECT_EQ(stats.size, 3);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.waits, 0u);
}

TEST_F(SqliteStoreTest, RecordsAppliedMigrations) {
  StorePtr store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> expected;
  for (const auto& migration : AllMigrations()) {
    expected.push_back(std::to_string(migration.version) + "|" + migration.name);
  }
  ASSERT_FALSE(expected.empty());
  RawDb raw(path_);
  EXPECT_EQ(raw.Rows("SELECT version, name FROM schema_migrations ORDER BY version"), expected);
  EXPECT_EQ(raw.Rows("SELECT COUNT(*) FROM schema_migrations WHERE applied_at > 0"),
            std::vector<std::string>{std::to_string(expected.size())});
  EXPECT_EQ(raw.Rows("SELECT MAX(version) FROM schema_migrations"),
            std::vector<std::string>{std::to_string(LatestSchemaVersion())});
}

TEST_F(SqliteStoreTest, MigrationsAreNumberedWithoutGaps) {
  int expected = 1;
  for (const auto& migration : AllMigrations()) {
    EXPECT_EQ(migration.version, expected++);
    EXPECT_NE(std::string(migration.name), "");
  }
}

TEST_F(SqliteStoreTest, ReopeningKeepsDataAndDoesNotRerunMigrations) {
  {
    StorePtr store = Open();
    ASSERT_NE(store, nullptr);
    auto created =
        store->CreateUserWithPersonalOrg(MakeUser("alice"), MakeOrg("alice"), std::nullopt, "");
    ASSERT_TRUE(created.has_value()) << created.error().detail;
  }
  {
    RawDb raw(path_);
    raw.Exec("UPDATE schema_migrations SET applied_at = 42");
  }
  StorePtr store = Open();
  ASSERT_NE(store, nullptr);
  auto user = store->GetUserByLogin("alice");
  ASSERT_TRUE(user.has_value()) << user.error().detail;
  EXPECT_EQ(user->id, "u-alice");

  RawDb raw(path_);
  EXPECT_EQ(raw.Rows("SELECT COUNT(*), MIN(applied_at), MAX(applied_at) FROM schema_migrations"),
            std::vector<std::string>{std::to_string(AllMigrations().size()) + "|42|42"});
}

TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveKill9) {
  const std::string state(3 << 20, 's');
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto opened = OpenSqliteStore(Options());
    if (!opened) _exit(2);
    Store& store = **opened;
    if (!store.CreateUserWithPersonalOrg(MakeUser("alice"), MakeOrg("alice"), std::nullopt, "")) {
      _exit(3);
    }
    StackRecord stack;
    stack.id = "s-1";
    stack.org_id = "o-alice";
    stack.project = "p";
    stack.name = "dev";
    if (!store.CreateStack(stack, state)) _exit(4);
    kill(getpid(), SIGKILL);
    _exit(5);
  }
  int status = 0;
  pid_t waited = 0;
  for (int i = 0; i < 6000 && waited == 0; ++i) {
    waited = waitpid(child, &status, WNOHANG);
    if (waited == 0) usleep(10'000);
  }
  if (waited == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    FAIL() << "child did not finish within 60 s";
  }
  ASSERT_EQ(waited, child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  StorePtr store = Open();
  ASSERT_NE(store, nullptr);
  auto stack = store->GetStack("alice", "p", "dev");
  ASSERT_TRUE(stack.has_value()) << stack.error().detail;
  auto saved = store->GetCurrentState("s-1");
  ASSERT_TRUE(saved.has_value()) << saved.error().detail;
  ASSERT_TRUE(saved->has_value());
  EXPECT_TRUE(**saved == state);
}

TEST_F(SqliteStoreTest, RefusesDatabaseWithNewerSchema) {
  { ASSERT_NE(Open(), nullptr); }
  {
    RawDb raw(path_);
    raw.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 1)");
  }
  auto store = OpenSqliteStore(Options());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store.error().message,
            "database schema version 999 is newer than this binary supports (" +
                std::to_string(LatestSchemaVersion()) + ")");
}

TEST_F(SqliteStoreTest, OpenFailsWhenDirectoryIsMissing) {
  SqliteOptions options = Options();
  options.path = dir_ + "/missing/statehouse.db";
  auto store = OpenSqliteStore(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
  EXPECT_NE(store.error().detail.find("missing"), std::string::npos) << store.error().detail;
}

TEST_F(SqliteStoreTest, OpenFailsOnNonDatabaseFile) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(8192, 'x');
  }
  auto store = OpenSqliteStore(Options());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInternal);
}

TEST_F(SqliteStoreTest, RejectsInvalidOptions) {
  SqliteOptions options = Options();
  options.pool_size = 0;
  auto store = OpenSqliteStore(options);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, WriteLockedByAnotherProcessIsUnavailableButReadsProceed) {
  SqliteOptions options = Options();
  options.busy_timeout_ms = 100;
  auto opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  StorePtr store = std::move(*opened);
  ASSERT_TRUE(
      store->CreateUserWithPersonalOrg(MakeUser("alice"), MakeOrg("alice"), std::nullopt, "")
          .has_value());

  RawDb raw(path_);
  raw.Exec("BEGIN IMMEDIATE");
  auto write = store->CreateOrg(MakeOrg("acme"), "u-alice");
  ASSERT_FALSE(write.has_value());
  EXPECT_EQ(write.error().code, ErrorCode::kUnavailable) << write.error().detail;

  auto read = store->GetOrgByName("alice");
  EXPECT_TRUE(read.has_value()) << read.error().detail;
  raw.Exec("ROLLBACK");

  auto retried = store->CreateOrg(MakeOrg("acme"), "u-alice");
  EXPECT_TRUE(retried.has_value()) << retried.error().detail;
  EXPECT_EQ(store->Stats().in_use, 0);
}

TEST_F(SqliteStoreTest, EnforcesForeignKeys) {
  StorePtr store = Open();
  ASSERT_NE(store, nullptr);
  OrgRecord org = MakeOrg("ghost");
  auto created = store->CreateOrg(org, "u-does-not-exist");
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kInternal);
  auto lookup = store->GetOrgByName("ghost");
  ASSERT_FALSE(lookup.has_value());
  EXPECT_EQ(lookup.error().code, ErrorCode::kNotFound);
}

// The log is copied into the database file by the engine's checkpointer, so
// the file grows without a further commit (and the log cannot grow forever).
TEST_F(SqliteStoreTest, CheckpointsTheLogIntoTheDatabaseFile) {
  auto engine = OpenSqliteEngine(Options());
  ASSERT_TRUE(engine.has_value()) << engine.error().detail;
  const std::string body(256 * 1024, 'x');
  for (int i = 0; i < 24; ++i) {  // 6 MB, past the checkpointer's 1,000 pages
    auto written = (*engine)->Run(Engine::Mode::kWrite, [&](Session& session) -> Result<void> {
      if (i == 0) SH_TRY(session.QueryDynamic("CREATE TABLE filler (body TEXT)", Params()));
      SH_TRY(session.QueryDynamic("INSERT INTO filler (body) VALUES ($1)", Params().Text(body)));
      return {};
    });
    ASSERT_TRUE(written.has_value()) << written.error().detail;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::filesystem::file_size(path_) < 4u * 1024 * 1024 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(std::filesystem::file_size(path_), 4u * 1024 * 1024);
}

}  // namespace
}  // namespace statehouse::storage
