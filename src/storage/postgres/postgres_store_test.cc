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
#include "storage/postgres/postgres_engine.h"
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
  // (The change feed's own connection comes back at once: not counted.)
  while (testing::RunSql(url, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                  " AND pid <> pg_backend_pid() AND application_name <> 'statehouse-changes'") != "0") {
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

// Not registered (SQLite has no such function): the test's own queries.
constexpr NamedQuery kTerminateSelf{"terminate_self", "", "SELECT pg_terminate_backend(pg_backend_pid())"};
constexpr NamedQuery kSelectOne{"select_one", "", "SELECT 1"};

TEST_F(PostgresStoreTest, WorkThatLostItsConnectionIsNeverSuccessAndTheConnectionIsReplaced) {
  PostgresOptions options;
  options.url = NewDatabase(testing::TestDatabaseSchema::kMigrated);
  options.pool_size = 1;
  auto engine = OpenPostgresEngine(options);
  SH_ASSERT_OK(engine);
  for (Engine::Mode mode : {Engine::Mode::kWrite, Engine::Mode::kSingle}) {
    // The body swallows the statement's failure and reports success.
    Result<void> run = (*engine)->Run(mode, [](Session& session) -> Result<void> {
      (void)session.Execute(kTerminateSelf, Params());
      return {};
    });
    ASSERT_FALSE(run.has_value());
    EXPECT_EQ(run.error().code, ErrorCode::kUnavailable) << run.error().detail;
    SH_EXPECT_OK((*engine)->Run(Engine::Mode::kRead, [](Session& session) -> Result<void> {
      SH_TRY(session.Query(kSelectOne, Params()));
      return {};
    }));
  }
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


// The access cache (AccessQuery::allow_cached): a replica serves repeated
// access reads from memory, and every write acknowledged on any replica
// before a read is seen by that read.
class PostgresAccessCacheTest : public PostgresStoreTest {
 protected:
  void SetUp() override {
    url_ = NewDatabase(testing::TestDatabaseSchema::kMigrated);
    a_ = Open(url_);
    b_ = Open(url_);
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    SH_ASSERT_OK(a_->CreateUserWithPersonalOrg(MakeUser("u-alice", "alice"),
                                               MakeOrg("o-alice", "alice"),
                                               MakeToken("t-1", "u-alice", kT0), "hash-1"));
    SH_ASSERT_OK(a_->CreateOrg(MakeOrg("o-acme", "acme"), "u-alice"));
    SH_ASSERT_OK(a_->CreateUserWithPersonalOrg(MakeUser("u-bob", "bob"), MakeOrg("o-bob", "bob"),
                                               MakeToken("t-2", "u-bob", kT0), "hash-2"));
    SH_ASSERT_OK(a_->AddMember("o-acme", "u-bob", OrgRole::kMember, kT0));
    StackRecord stack = MakeStack("s-1", MakeOrg("o-acme", "acme"), "web", "dev");
    stack.created_by = "u-alice";
    SH_ASSERT_OK(a_->CreateStack(stack, std::nullopt));
  }

  static AccessQuery Query(const std::string& token_hash) {
    AccessQuery query;
    query.token_hash = token_hash;
    query.org_name = "acme";
    query.project = "web";
    query.stack_name = "dev";
    query.allow_cached = true;
    return query;
  }

  // Reads through `store` once: `done` must hold at once, as every write
  // the test made was acknowledged before.
  template <class Done>
  void AtOnce(Store& store, const AccessQuery& query, Done done) {
    auto context = store.LoadAccess(query);
    SH_ASSERT_OK(context);
    EXPECT_TRUE(done(*context));
  }

  std::string url_;
  StorePtr a_, b_;
};

TEST_F(PostgresAccessCacheTest, RepeatedReadsComeFromMemoryUntilAChangeIsAnnounced) {
  // Token t-2 deleted or restored behind the announcements' back.
  auto set_deleted_silently = [&](bool deleted) {
    testing::RunSql(url_, std::string("ALTER TABLE tokens DISABLE TRIGGER tokens_announce;"
                                      " UPDATE tokens SET deleted = ") +
                              (deleted ? "TRUE" : "FALSE") +
                              " WHERE id = 't-2';"
                              " ALTER TABLE tokens ENABLE TRIGGER tokens_announce");
  };
  auto first = b_->LoadAccess(Query("hash-2"));
  SH_ASSERT_OK(first);
  ASSERT_TRUE(first->token.has_value());
  set_deleted_silently(true);
  auto cached = b_->LoadAccess(Query("hash-2"));
  SH_ASSERT_OK(cached);
  EXPECT_TRUE(cached->token.has_value());
  // Not for a read that may not be cached.
  AccessQuery current = Query("hash-2");
  current.allow_cached = false;
  auto uncached = b_->LoadAccess(current);
  SH_ASSERT_OK(uncached);
  EXPECT_FALSE(uncached->token.has_value());
  // Any announced change drops it, by the next read.
  testing::RunSql(url_, "UPDATE users SET name = 'Bob B' WHERE id = 'u-bob'");
  auto after = b_->LoadAccess(Query("hash-2"));
  SH_ASSERT_OK(after);
  EXPECT_FALSE(after->token.has_value());
}

TEST_F(PostgresAccessCacheTest, ARevokedTokenIsRefusedByEveryReplica) {
  for (Store* store : {a_.get(), b_.get()}) {
    auto before = store->LoadAccess(Query("hash-2"));
    SH_ASSERT_OK(before);
    ASSERT_TRUE(before->token.has_value());
  }
  SH_ASSERT_OK(a_->DeleteToken("u-bob", "t-2"));
  // The replica that wrote knows before the call returns.
  auto own = a_->LoadAccess(Query("hash-2"));
  SH_ASSERT_OK(own);
  EXPECT_FALSE(own->token.has_value());
  AtOnce(*b_, Query("hash-2"), [](const AccessContext& c) { return !c.token; });
}

TEST_F(PostgresAccessCacheTest, RolesGrantsTagsAndRenamesReachEveryReplica) {
  auto seen = b_->LoadAccess(Query("hash-2"));
  SH_ASSERT_OK(seen);
  ASSERT_EQ(seen->role, OrgRole::kMember);
  ASSERT_TRUE(seen->stack.has_value());

  SH_ASSERT_OK(a_->SetMemberRole("o-acme", "u-bob", OrgRole::kAdmin));
  AtOnce(*b_, Query("hash-2"), [](const AccessContext& c) { return c.role == OrgRole::kAdmin; });
  SH_ASSERT_OK(a_->SetMemberRole("o-acme", "u-bob", OrgRole::kMember));
  AtOnce(*b_, Query("hash-2"), [](const AccessContext& c) { return c.role == OrgRole::kMember; });

  TeamRecord team;
  team.id = "team-1";
  team.org_id = "o-acme";
  team.name = "ops";
  SH_ASSERT_OK(a_->CreateTeam(team, "u-alice"));
  SH_ASSERT_OK(a_->AddTeamMember("team-1", "u-bob", TeamRole::kMember, kT0));
  SH_ASSERT_OK(a_->PutTeamStackGrant("team-1", "s-1", 102, /*create_if_absent=*/true));
  AtOnce(*b_, Query("hash-2"), [](const AccessContext& c) { return c.team_permission == 102; });

  SH_ASSERT_OK(a_->AddTag("s-1", "env", "dev"));
  AtOnce(*b_, Query("hash-2"),
        [](const AccessContext& c) { return c.stack && c.stack->tags.count("env") == 1; });

  SH_ASSERT_OK(a_->MoveStack("s-1", "o-acme", "web", "prod", std::nullopt));
  AtOnce(*b_, Query("hash-2"), [](const AccessContext& c) { return !c.stack; });
}

}  // namespace
}  // namespace statehouse::storage
