// PostgreSQL-specific behaviour of the team, service and secret stores:
// rules that hold across replicas (two stores on one database) because of
// row locks and ON CONFLICT, not a single writer. Most tests hold one
// replica's transaction open at the critical point and check that the other
// replica's call waits for it and then sees its outcome. The shared
// behaviour is in the conformance suites.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "storage/conformance_fixture.h"
#include "storage/postgres/postgres_store.h"
#include "test/fakes/pg_cluster.h"

namespace statehouse::storage {
namespace {

class PostgresTeamStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::CreateTestDatabase(testing::TestDatabaseSchema::kMigrated);
    ASSERT_TRUE(url.has_value()) << ErrorText(url);
    url_ = *url;
    a_ = Open();
    b_ = Open();
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
  }

  // Another replica on the same database.
  StorePtr Open() {
    PostgresOptions options;
    options.url = url_;
    options.pool_size = 2;
    auto store = OpenPostgresStore(options);
    EXPECT_TRUE(store.has_value()) << ErrorText(store);
    return store ? std::move(*store) : nullptr;
  }

  // Creates user `login` (id "u-<login>") with personal org "<login>".
  OrgRecord AddUser(const std::string& login) {
    OrgRecord org = MakeOrg("o-" + login, login);
    auto created =
        a_->CreateUserWithPersonalOrg(MakeUser("u-" + login, login), org, std::nullopt, "");
    EXPECT_TRUE(created.has_value()) << ErrorText(created);
    return org;
  }

  // True once some session of the test database waits for a lock.
  bool SomeoneWaitsForALock() {
    return testing::RunSql(url_,
               "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
               " AND wait_event_type = 'Lock'") != "0";
  }

  // Runs `holder` in a transaction of replica a_ and, while that transaction
  // is still open, `contender` on a thread (meant to use replica b_); waits
  // until the contender blocks on a lock (or finishes, which the caller's
  // checks then catch), commits (or, with `commit` false, rolls back with
  // kConflict), and joins it. Returns the transaction's result.
  Result<void> RaceAgainstOpenTransaction(const std::function<Result<void>()>& holder,
                                          const std::function<void()>& contender,
                                          bool commit = true) {
    std::atomic<bool> done{false};
    std::thread thread;
    auto result = a_->RunInTransaction([&]() -> Result<void> {
      SH_TRY(holder());
      thread = std::thread([&] {
        contender();
        done = true;
      });
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!done && !SomeoneWaitsForALock() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      EXPECT_FALSE(done.load()) << "the contender did not wait for the open transaction";
      if (!commit) return Fail(Error::Conflict("rolled back by the test"));
      return {};
    });
    if (thread.joinable()) thread.join();
    return result;
  }

  std::string url_;
  StorePtr a_;
  StorePtr b_;
};

// ---------------------------------------------------------------------------
// Secrets keys

TEST_F(PostgresTeamStoreTest, ACreatorWaitsForAnUncommittedKeyAndGetsIt) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", org, "p", "dev"), std::nullopt));
  const std::string first("\x00\x01 first\xff", 9);
  Result<StackSecretKeyRecord> second = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&]() -> Result<void> {
        SH_ASSIGN_OR_RETURN(auto stored, a_->CreateStackSecretKeyIfAbsent(
                                             StackSecretKeyRecord{"s-1", "kid-a", first, kT0}));
        EXPECT_EQ(stored.wrapped_key, first);
        return {};
      },
      [&] {
        second = b_->CreateStackSecretKeyIfAbsent(
            StackSecretKeyRecord{"s-1", "kid-b", "second", kT0 + 1});
      }));
  SH_ASSERT_OK(second);
  EXPECT_EQ(second->wrapped_key, first);
  EXPECT_EQ(second->master_key_id, "kid-a");
  EXPECT_EQ(second->created, kT0);
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM stack_secret_keys"), "1");
}

TEST_F(PostgresTeamStoreTest, ACreatorWhoseRivalRollsBackStoresItsOwnKey) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", org, "p", "dev"), std::nullopt));
  Result<StackSecretKeyRecord> second = Fail(Error::Internal("not run"));
  auto rolled_back = RaceAgainstOpenTransaction(
      [&]() -> Result<void> {
        SH_TRY(a_->CreateStackSecretKeyIfAbsent(StackSecretKeyRecord{"s-1", "kid-a", "a", kT0}));
        return {};
      },
      [&] {
        second = b_->CreateStackSecretKeyIfAbsent(StackSecretKeyRecord{"s-1", "kid-b", "b", kT0});
      },
      /*commit=*/false);
  SH_EXPECT_ERROR(rolled_back, ErrorCode::kConflict);
  SH_ASSERT_OK(second);
  EXPECT_EQ(second->wrapped_key, "b");
  EXPECT_EQ(second->master_key_id, "kid-b");
  auto got = a_->GetStackSecretKey("s-1");
  SH_ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->wrapped_key, "b");
}

TEST_F(PostgresTeamStoreTest, ReplicasRacingForStackKeysAgreeOnOnePerStack) {
  OrgRecord org = AddUser("alice");
  constexpr int kRounds = 10;
  constexpr int kThreadsPerReplica = 4;
  for (int round = 0; round < kRounds; ++round) {
    const std::string stack_id = "s-" + std::to_string(round);
    SH_ASSERT_OK(a_->CreateStack(MakeStack(stack_id, org, "p", "dev" + std::to_string(round)),
                                 std::nullopt));
    std::vector<std::string> keys(2 * kThreadsPerReplica);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2 * kThreadsPerReplica; ++i) {
      threads.emplace_back([&, i] {
        Store& store = i % 2 == 0 ? *a_ : *b_;
        ++ready;
        while (ready.load() < 2 * kThreadsPerReplica) std::this_thread::yield();
        auto stored = store.CreateStackSecretKeyIfAbsent(
            StackSecretKeyRecord{stack_id, "kid", "wrapped-" + std::to_string(i), kT0});
        keys[i] = stored ? stored->wrapped_key : "error: " + ErrorText(stored);
      });
    }
    for (auto& thread : threads) thread.join();
    for (size_t i = 0; i < keys.size(); ++i) {
      EXPECT_EQ(keys[i], keys[0]) << stack_id << " thread " << i;
    }
    EXPECT_EQ(keys[0].rfind("wrapped-", 0), 0u) << keys[0];
  }
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM stack_secret_keys"), std::to_string(kRounds));
}

TEST_F(PostgresTeamStoreTest, CreatingAKeyForAStackBeingDeletedIsNotFound) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", org, "p", "dev"), std::nullopt));
  Result<StackSecretKeyRecord> created = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->DeleteStack("s-1"); },
      [&] {
        created = b_->CreateStackSecretKeyIfAbsent(StackSecretKeyRecord{"s-1", "kid", "w", kT0});
      }));
  SH_EXPECT_ERROR(created, ErrorCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Org members (the rule that an org keeps an admin is the orgs service's, with
// its replica race test in orgs/service_test.cc; storage gives it the lock)

TEST_F(PostgresTeamStoreTest, CountingAdminsWaitsForAnOpenDemotionAndSeesIt) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->AddMember("o-alice", "u-bob", OrgRole::kAdmin, kT0));
  Result<int64_t> admins = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&]() -> Result<void> {
        SH_ASSIGN_OR_RETURN(const int64_t n, a_->CountAdmins("o-alice"));
        EXPECT_EQ(n, 2);
        return a_->SetMemberRole("o-alice", "u-alice", OrgRole::kMember);
      },
      [&] { admins = b_->CountAdmins("o-alice"); }));
  SH_ASSERT_OK(admins);
  EXPECT_EQ(*admins, 1);
}

// ---------------------------------------------------------------------------
// Teams

TEST_F(PostgresTeamStoreTest, AddingATeamMemberWaitsForTheirRemovalFromTheOrg) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->AddMember("o-alice", "u-bob", OrgRole::kMember, kT0));
  SH_ASSERT_OK(a_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, ""));
  Result<void> added = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->RemoveMember("o-alice", "u-bob"); },
      [&] { added = b_->AddTeamMember("t-1", "u-bob", TeamRole::kMember, kT0); }));
  SH_EXPECT_ERROR(added, ErrorCode::kNotFound);
  auto role = a_->GetTeamRole("t-1", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, TeamRole::kNone);
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM team_members"), "0");
}

TEST_F(PostgresTeamStoreTest, CreatingATeamWaitsForItsCreatorsRemovalFromTheOrg) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->AddMember("o-alice", "u-bob", OrgRole::kMember, kT0));
  Result<void> created = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->RemoveMember("o-alice", "u-bob"); },
      [&] {
        created = b_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, "u-bob");
      }));
  SH_EXPECT_ERROR(created, ErrorCode::kNotFound);
  SH_EXPECT_ERROR(a_->GetTeam("o-alice", "ops"), ErrorCode::kNotFound);
}

TEST_F(PostgresTeamStoreTest, AddingAMemberToATeamBeingDeletedIsNotFound) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->AddMember("o-alice", "u-bob", OrgRole::kMember, kT0));
  SH_ASSERT_OK(a_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, ""));
  Result<void> added = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->DeleteTeam("t-1"); },
      [&] { added = b_->AddTeamMember("t-1", "u-bob", TeamRole::kMember, kT0); }));
  SH_EXPECT_ERROR(added, ErrorCode::kNotFound);
}

TEST_F(PostgresTeamStoreTest, ReplicasAddingTheSameTeamMemberSucceedOnce) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->AddMember("o-alice", "u-bob", OrgRole::kMember, kT0));
  SH_ASSERT_OK(a_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, ""));
  Result<void> second = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->AddTeamMember("t-1", "u-bob", TeamRole::kAdmin, kT0); },
      [&] { second = b_->AddTeamMember("t-1", "u-bob", TeamRole::kMember, kT0); }));
  SH_EXPECT_ERROR(second, ErrorCode::kAlreadyExists);
  auto role = a_->GetTeamRole("t-1", "u-bob");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, TeamRole::kAdmin);
}

TEST_F(PostgresTeamStoreTest, GrantingAStackBeingTransferredIsNotFoundAndLeavesNoGrant) {
  OrgRecord alice = AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(a_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, "u-alice"));
  Result<void> granted = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->MoveStack("s-1", "o-bob", "p", "dev", std::nullopt); },
      [&] { granted = b_->PutTeamStackGrant("t-1", "s-1", 103, true); }));
  SH_EXPECT_ERROR(granted, ErrorCode::kNotFound);
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM team_stack_grants"), "0");
  // Moving it back does not bring a grant with it.
  SH_ASSERT_OK(a_->MoveStack("s-1", "o-alice", "p", "dev", std::nullopt));
  auto max = a_->MaxTeamStackPermission("u-alice", "s-1");
  SH_ASSERT_OK(max);
  EXPECT_EQ(*max, 0);
}

TEST_F(PostgresTeamStoreTest, TransferringAStackWaitsForAGrantAndThenDropsIt) {
  OrgRecord alice = AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(a_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, "u-alice"));
  Result<void> moved = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->PutTeamStackGrant("t-1", "s-1", 103, true); },
      [&] { moved = b_->MoveStack("s-1", "o-bob", "p", "dev", std::nullopt); }));
  SH_ASSERT_OK(moved);
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM team_stack_grants"), "0");
}

TEST_F(PostgresTeamStoreTest, GrantingOnATeamBeingDeletedIsNotFound) {
  OrgRecord alice = AddUser("alice");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", alice, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(a_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, ""));
  Result<void> granted = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->DeleteTeam("t-1"); },
      [&] { granted = b_->PutTeamStackGrant("t-1", "s-1", 101, true); }));
  SH_EXPECT_ERROR(granted, ErrorCode::kNotFound);
}

// A failed team write inside a caller's transaction undoes only itself.
TEST_F(PostgresTeamStoreTest, AFailedTeamWriteLeavesTheCallersTransactionUsable) {
  AddUser("alice");
  AddUser("bob");
  SH_ASSERT_OK(a_->CreateTeam(TeamRecord{"t-1", "o-alice", "ops", "", "", kT0}, ""));
  Result<void> duplicate_team, outsider, duplicate_member;
  SH_ASSERT_OK(a_->RunInTransaction([&]() -> Result<void> {
    duplicate_team = a_->CreateTeam(TeamRecord{"t-2", "o-alice", "OPS", "", "", kT0}, "");
    outsider = a_->AddTeamMember("t-1", "u-bob", TeamRole::kMember, kT0);
    SH_TRY(a_->AddTeamMember("t-1", "u-alice", TeamRole::kMember, kT0));
    duplicate_member = a_->AddTeamMember("t-1", "u-alice", TeamRole::kMember, kT0);
    return a_->SetTeamMemberRole("t-1", "u-alice", TeamRole::kAdmin);
  }));
  SH_EXPECT_ERROR(duplicate_team, ErrorCode::kAlreadyExists);
  SH_EXPECT_ERROR(outsider, ErrorCode::kNotFound);
  SH_EXPECT_ERROR(duplicate_member, ErrorCode::kAlreadyExists);
  auto role = b_->GetTeamRole("t-1", "u-alice");
  SH_ASSERT_OK(role);
  EXPECT_EQ(*role, TeamRole::kAdmin);
}

// ---------------------------------------------------------------------------
// Services

ServiceRecord MakeService(const std::string& id, const std::string& name) {
  ServiceRecord service;
  service.id = id;
  service.org_id = "o-alice";
  service.owner_type = "user";
  service.owner_name = "alice";
  service.name = name;
  service.description = "about " + name;
  service.created = kT0;
  return service;
}

TEST_F(PostgresTeamStoreTest, PropertyReplacementsFromReplicasSerialize) {
  AddUser("alice");
  SH_ASSERT_OK(a_->CreateService(MakeService("sv-1", "svc"), {}));
  const std::vector<ServicePropertyRecord> first = {{"a", "1", "string", 0},
                                                    {"b", "2", "string", 1}};
  const std::vector<ServicePropertyRecord> second = {{"c", "3", "url", 7}};
  Result<void> replaced = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->UpdateService("sv-1", std::nullopt, std::nullopt, first); },
      [&] { replaced = b_->UpdateService("sv-1", std::nullopt, std::nullopt, second); }));
  SH_ASSERT_OK(replaced);
  auto got = a_->GetService("o-alice", "user", "alice", "svc");
  SH_ASSERT_OK(got);
  ASSERT_EQ(got->properties.size(), 1u);
  EXPECT_EQ(got->properties[0].key, "c");
  EXPECT_EQ(got->properties[0].order, 7);
}

TEST_F(PostgresTeamStoreTest, AddingItemsToAServiceBeingDeletedIsNotFound) {
  AddUser("alice");
  SH_ASSERT_OK(a_->CreateService(MakeService("sv-1", "svc"), {}));
  Result<int> added = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->DeleteService("sv-1"); },
      [&] {
        added =
            b_->AddServiceItems("sv-1", {NewServiceItem{"environment", "", "p/e", "alice", kT0}});
      }));
  SH_EXPECT_ERROR(added, ErrorCode::kNotFound);
}

TEST_F(PostgresTeamStoreTest, AddingAStackBeingDeletedToAServiceIsNotFound) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", org, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(a_->CreateService(MakeService("sv-1", "svc"), {}));
  Result<int> added = Fail(Error::Internal("not run"));
  Result<void> created = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&] { return a_->DeleteStack("s-1"); },
      [&] {
        added = b_->AddServiceItems("sv-1", {NewServiceItem{"stack", "s-1", "", "alice", kT0}});
      }));
  SH_EXPECT_ERROR(added, ErrorCode::kNotFound);
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-2", org, "p", "prod"), std::nullopt));
  SH_ASSERT_OK(RaceAgainstOpenTransaction([&] { return a_->DeleteStack("s-2"); },
                                          [&] {
                                            created = b_->CreateService(
                                                MakeService("sv-2", "other"),
                                                {NewServiceItem{"stack", "s-2", "", "alice", kT0}});
                                          }));
  SH_EXPECT_ERROR(created, ErrorCode::kNotFound);
  SH_EXPECT_ERROR(a_->GetService("o-alice", "user", "alice", "other"), ErrorCode::kNotFound);
}

TEST_F(PostgresTeamStoreTest, ReplicasAddingTheSameItemsCountThemOnce) {
  OrgRecord org = AddUser("alice");
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-1", org, "p", "dev"), std::nullopt));
  SH_ASSERT_OK(a_->CreateService(MakeService("sv-1", "svc"), {}));
  const std::vector<NewServiceItem> items = {
      NewServiceItem{"stack", "s-1", "", "alice", kT0},
      NewServiceItem{"environment", "", "p/e", "alice", kT0}};
  Result<int> second = Fail(Error::Internal("not run"));
  SH_ASSERT_OK(RaceAgainstOpenTransaction(
      [&]() -> Result<void> {
        SH_ASSIGN_OR_RETURN(const int added, a_->AddServiceItems("sv-1", items));
        EXPECT_EQ(added, 2);
        return {};
      },
      [&] {
        second = b_->AddServiceItems(
            "sv-1", {NewServiceItem{"environment", "", "P/E", "bob", kT0}, items[0]});
      }));
  SH_ASSERT_OK(second);
  EXPECT_EQ(*second, 0);
  auto listed = a_->ListServiceItems("sv-1", std::nullopt, 10);
  SH_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "p/e");
  EXPECT_EQ((*listed)[0].added_by, "alice");
}

TEST_F(PostgresTeamStoreTest, PropertiesKeepEveryCharacterAndSixtyFourBitOrders) {
  AddUser("alice");
  ServiceRecord service = MakeService("sv-1", "svc");
  service.properties = {
      {"quote\"back\\slash", "{a,b} \"NULL\"", "caf\xC3\xA9", std::numeric_limits<int64_t>::max()},
      {"", "", "", std::numeric_limits<int64_t>::min()},
      {"NULL", "x", "y", -1}};
  SH_ASSERT_OK(a_->CreateService(service, {}));
  auto got = b_->GetService("o-alice", "user", "alice", "svc");
  SH_ASSERT_OK(got);
  ASSERT_EQ(got->properties.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got->properties[i].key, service.properties[i].key) << i;
    EXPECT_EQ(got->properties[i].value, service.properties[i].value) << i;
    EXPECT_EQ(got->properties[i].type, service.properties[i].type) << i;
    EXPECT_EQ(got->properties[i].order, service.properties[i].order) << i;
  }
  auto listed = b_->ListServices("o-alice", std::nullopt, 10);
  SH_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].properties.size(), 3u);
}

}  // namespace
}  // namespace statehouse::storage
