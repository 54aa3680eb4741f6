// PostgreSQL-specific behaviour: migrations, schema checks, byte-exact
// documents, reconnecting, and invariants kept across replicas (several
// stores on one database). The shared behaviour is in the conformance
// suites.

#include "storage/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "storage/conformance_fixture.h"
#include "storage/migrations.h"
#include "test/fakes/pg_cluster.h"

namespace statehouse::storage {
namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  std::string NewDatabase(testing::TestDatabaseSchema schema) {
    auto url = testing::CreateTestDatabase(schema);
    EXPECT_TRUE(url.has_value()) << ErrorText(url);
    return url.value_or("");
  }

  StorePtr Open(const std::string& url, int pool_size = 2) {
    PostgresOptions options;
    options.url = url;
    options.pool_size = pool_size;
    auto store = OpenPostgresStore(options);
    EXPECT_TRUE(store.has_value()) << ErrorText(store);
    return store ? std::move(*store) : nullptr;
  }
};

TEST_F(PostgresStoreTest, MigrateAppliesEverythingOnceAndIsIdempotent) {
  PostgresOptions options;
  options.url = NewDatabase(testing::TestDatabaseSchema::kEmpty);
  auto version = MigratePostgres(options);
  SH_ASSERT_OK(version);
  EXPECT_EQ(*version, LatestSchemaVersion());
  version = MigratePostgres(options);
  SH_ASSERT_OK(version);
  EXPECT_EQ(*version, LatestSchemaVersion());
  EXPECT_EQ(testing::RunSql(options.url, "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(LatestSchemaVersion()));
}

TEST_F(PostgresStoreTest, ReplicasStartingTogetherMigrateOnce) {
  const std::string url = NewDatabase(testing::TestDatabaseSchema::kEmpty);
  constexpr int kReplicas = 4;
  std::vector<StorePtr> stores(kReplicas);
  std::vector<std::string> errors(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      PostgresOptions options;
      options.url = url;
      options.pool_size = 1;
      auto store = OpenPostgresStore(options);
      if (store) {
        stores[i] = std::move(*store);
      } else {
        errors[i] = ErrorText(store);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kReplicas; ++i) EXPECT_NE(stores[i], nullptr) << errors[i];
  EXPECT_EQ(testing::RunSql(url, "SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(LatestSchemaVersion()));
}

TEST_F(PostgresStoreTest, OpenWithoutMigratingNeedsTheCurrentSchema) {
  PostgresOptions options;
  options.url = NewDatabase(testing::TestDatabaseSchema::kEmpty);
  options.migrate = false;
  auto behind = OpenPostgresStore(options);
  SH_EXPECT_ERROR(behind, ErrorCode::kInternal);
  EXPECT_NE(behind.error().message.find("statehouse migrate"), std::string::npos)
      << behind.error().message;

  SH_ASSERT_OK(MigratePostgres(options));
  auto current = OpenPostgresStore(options);
  SH_ASSERT_OK(current);
  EXPECT_STREQ((*current)->Engine(), "postgres");
}

TEST_F(PostgresStoreTest, RefusesADatabaseFromANewerBinary) {
  const std::string url = NewDatabase(testing::TestDatabaseSchema::kMigrated);
  const int newer = LatestSchemaVersion() + 1;
  ASSERT_EQ(testing::RunSql(url, "INSERT INTO schema_migrations VALUES (" + std::to_string(newer) +
                         ", 'from_the_future', 0)"),
            "");
  PostgresOptions options;
  options.url = url;
  for (bool migrate : {true, false}) {
    options.migrate = migrate;
    auto store = OpenPostgresStore(options);
    SH_EXPECT_ERROR(store, ErrorCode::kInternal);
    EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
  }
  SH_EXPECT_ERROR(MigratePostgres(options), ErrorCode::kInternal);
}

TEST_F(PostgresStoreTest, UnreachableServerIsUnavailable) {
  PostgresOptions options;
  options.url = "postgres://postgres@127.0.0.1:1/none";
  options.timeout_ms = 2000;
  SH_EXPECT_ERROR(OpenPostgresStore(options), ErrorCode::kUnavailable);
}

TEST_F(PostgresStoreTest, StatesKeepEveryByteIncludingNul) {
  const std::string url = NewDatabase(testing::TestDatabaseSchema::kMigrated);
  StorePtr store = Open(url);
  ASSERT_NE(store, nullptr);
  OrgRecord org = MakeOrg("o-alice", "alice");
  SH_ASSERT_OK(store->CreateUserWithPersonalOrg(MakeUser("u-alice", "alice"), org, std::nullopt, ""));
  std::string state;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 256; ++b) state.push_back(static_cast<char>(b));
  }
  SH_ASSERT_OK(store->CreateStack(MakeStack("s-1", org, "p", "dev"), state));
  auto got = store->GetCurrentState("s-1");
  SH_ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE(**got == state);
  EXPECT_EQ(testing::RunSql(url, "SELECT octet_length(deployment) FROM stack_states"),
            std::to_string(state.size()));
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerDropsItsConnections) {
  const std::string url = NewDatabase(testing::TestDatabaseSchema::kMigrated);
  StorePtr store = Open(url, 2);
  ASSERT_NE(store, nullptr);
  SH_ASSERT_OK(store->HasNoUsers());
  ASSERT_EQ(testing::RunSql(url,
                "SELECT COUNT(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            "t");
  // pg_terminate_backend only signals; wait until the backends are gone.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (testing::RunSql(url, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                  " AND pid <> pg_backend_pid()") != "0") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "backends did not exit";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int i = 0; i < 4; ++i) {
    auto empty = store->HasNoUsers();
    SH_ASSERT_OK(empty);
    EXPECT_TRUE(*empty);
  }
  EXPECT_EQ(store->Stats().in_use, 0);
}

TEST_F(PostgresStoreTest, NamesFoldAsciiOnly) {
  const std::string url = NewDatabase(testing::TestDatabaseSchema::kMigrated);
  StorePtr store = Open(url);
  ASSERT_NE(store, nullptr);
  SH_ASSERT_OK(store->CreateUserWithPersonalOrg(MakeUser("u-1", "\xC3\x89mile"),
                                                MakeOrg("o-1", "\xC3\x89mile"), std::nullopt, ""));
  SH_EXPECT_OK(store->GetUserByLogin("\xC3\x89MILE"));
  SH_EXPECT_ERROR(store->GetUserByLogin("\xC3\xA9mile"), ErrorCode::kNotFound);
  SH_EXPECT_OK(store->CreateUserWithPersonalOrg(MakeUser("u-2", "\xC3\xA9mile"),
                                                MakeOrg("o-2", "\xC3\xA9mile"), std::nullopt, ""));
}

}  // namespace
}  // namespace statehouse::storage
