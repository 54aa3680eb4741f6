#include "orgs/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "crypto/crypto.h"
#include "storage/postgres/postgres_store.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/pg_cluster.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::orgs {
namespace {

using storage::OrgRole;

class OrgServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    service_ = std::make_unique<OrgService>(*store_, clock_, sink_);
    alice_ = testing::CreateTestUser(*store_, random_, clock_, "alice").user;
    bob_ = testing::CreateTestUser(*store_, random_, clock_, "bob").user;
    storage::OrgRecord acme{random_.Uuid(), "acme", clock_.NowSeconds(), 0};
    ASSERT_TRUE(store_->CreateOrg(acme, alice_.id).has_value());
    ASSERT_TRUE(store_->AddMember(acme.id, bob_.id, OrgRole::kMember, clock_.NowSeconds() + 1));
    admin_access_ = AccessFor(alice_, OrgRole::kAdmin);
  }

  auth::Access AccessFor(const storage::UserRecord& user, OrgRole role) {
    return testing::OrgAccessFor(*store_, user, "acme", role);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink sink_;
  storage::StorePtr store_;
  std::unique_ptr<OrgService> service_;
  storage::UserRecord alice_;
  storage::UserRecord bob_;
  auth::Access admin_access_;
};

TEST_F(OrgServiceTest, ListMembersShowsRolesAndJoinTimes) {
  auto members = service_->ListMembers(admin_access_);
  ASSERT_TRUE(members.has_value());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].user.login, "alice");
  EXPECT_EQ((*members)[0].role, OrgRole::kAdmin);
  EXPECT_EQ((*members)[1].user.login, "bob");
  EXPECT_EQ((*members)[1].created, clock_.NowSeconds() + 1);
  EXPECT_TRUE(sink_.Events().empty());
}

TEST_F(OrgServiceTest, RemoveMemberRulesAndEvent) {
  EXPECT_EQ(service_->RemoveMember(admin_access_, "alice").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->RemoveMember(admin_access_, "nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->RemoveMember(admin_access_, "bad/login").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(service_->RemoveMember(admin_access_, "BOB").has_value());
  EXPECT_EQ(*store_->GetRole(admin_access_.org->id, bob_.id), OrgRole::kNone);
  EXPECT_EQ(service_->RemoveMember(admin_access_, "bob").error().code, ErrorCode::kNotFound);

  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "member-removed");
  EXPECT_EQ(events[0].org_name, "acme");
  EXPECT_EQ(events[0].actor.login, "alice");
  EXPECT_EQ(events[0].target, "bob");
  EXPECT_EQ(events[0].time, clock_.NowSeconds());
}

TEST_F(OrgServiceTest, TheLastAdminCannotBeRemovedByAnotherAdminOrDemoted) {
  ASSERT_TRUE(service_->SetMemberRole(admin_access_, "bob", OrgRole::kAdmin).has_value());
  auto bob_admin = AccessFor(bob_, OrgRole::kAdmin);
  ASSERT_TRUE(service_->SetMemberRole(bob_admin, "alice", OrgRole::kMember).has_value());
  auto demote_last = service_->SetMemberRole(bob_admin, "bob", OrgRole::kMember);
  ASSERT_FALSE(demote_last.has_value());
  EXPECT_EQ(demote_last.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(demote_last.error().message.find("at least one admin"), std::string::npos);

  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "member-role-changed");
  EXPECT_EQ(events[0].target, "bob");
  EXPECT_EQ(events[0].fields.at("from"), "member");
  EXPECT_EQ(events[0].fields.at("to"), "admin");
  EXPECT_EQ(events[0].fields.at("role"), "admin");
  EXPECT_EQ(events[1].target, "alice");
  EXPECT_EQ(events[1].fields.at("role"), "member");
}

// With an access granted before bob lost his admin role (or a stale one), bob
// tries to remove and demote alice, the only admin: refused, nothing changes.
TEST_F(OrgServiceTest, TheLastAdminCannotBeRemoved) {
  auto stale_admin = AccessFor(bob_, OrgRole::kAdmin);
  auto removed = service_->RemoveMember(stale_admin, "alice");
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(removed.error().message,
            "Cannot remove 'alice': an organization must keep at least one admin");
  auto demoted = service_->SetMemberRole(stale_admin, "alice", OrgRole::kMember);
  ASSERT_FALSE(demoted.has_value());
  EXPECT_EQ(demoted.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(demoted.error().message,
            "Cannot demote 'alice': an organization must keep at least one admin");
  EXPECT_EQ(*store_->GetRole(admin_access_.org->id, alice_.id), OrgRole::kAdmin);
  EXPECT_TRUE(sink_.Events().empty());

  // With a second admin, either may go.
  ASSERT_TRUE(service_->SetMemberRole(admin_access_, "bob", OrgRole::kAdmin).has_value());
  ASSERT_TRUE(service_->RemoveMember(stale_admin, "alice").has_value());
  EXPECT_EQ(*store_->GetRole(admin_access_.org->id, alice_.id), OrgRole::kNone);
  EXPECT_EQ(*store_->CountAdmins(admin_access_.org->id), 1);
  EXPECT_EQ(service_->SetMemberRole(stale_admin, "alice", OrgRole::kAdmin).error().code,
            ErrorCode::kNotFound);
}

TEST_F(OrgServiceTest, SetMemberRoleValidates) {
  EXPECT_EQ(service_->SetMemberRole(admin_access_, "bob", OrgRole::kNone).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->SetMemberRole(admin_access_, "nobody", OrgRole::kAdmin).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(service_->SetMemberRole(admin_access_, "bob", OrgRole::kMember).has_value());
  EXPECT_TRUE(sink_.Events().empty());  // no change, no event
}

TEST_F(OrgServiceTest, DefaultStackPermission) {
  for (int bad : {1, 100, 103, 104, -1}) {
    EXPECT_EQ(service_->SetDefaultStackPermission(admin_access_, bad).error().code,
              ErrorCode::kInvalidArgument)
        << bad;
  }
  auto org = service_->SetDefaultStackPermission(admin_access_, 102);
  ASSERT_TRUE(org.has_value());
  EXPECT_EQ(org->default_stack_permission, 102);
  EXPECT_EQ(store_->GetOrgByName("acme")->default_stack_permission, 102);
  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "organization-settings-changed");
  EXPECT_EQ(events[0].target, "acme");
  EXPECT_EQ(events[0].org_name, "acme");
  EXPECT_EQ(events[0].fields.at("defaultStackPermission"), "102");
  EXPECT_EQ(events[0].fields.at("to"), "102");
}

TEST_F(OrgServiceTest, AFailingEventSinkRollsEveryChangeBack) {
  testing::FailingSink failing;
  OrgService service(*store_, clock_, failing);
  const std::string org_id = admin_access_.org->id;
  auto promoted = service.SetMemberRole(admin_access_, "bob", OrgRole::kAdmin);
  ASSERT_FALSE(promoted.has_value());
  EXPECT_EQ(promoted.error().code, ErrorCode::kInternal);
  EXPECT_EQ(*store_->GetRole(org_id, bob_.id), OrgRole::kMember);
  EXPECT_FALSE(service.RemoveMember(admin_access_, "bob").has_value());
  EXPECT_EQ(*store_->GetRole(org_id, bob_.id), OrgRole::kMember);
  EXPECT_FALSE(service.SetDefaultStackPermission(admin_access_, 101).has_value());
  EXPECT_EQ(store_->GetOrgByName("acme")->default_stack_permission, 0);
  EXPECT_EQ(failing.attempts(), 3);
}

// Two replicas (two stores on one PostgreSQL database, a service on each)
// removing or demoting an org's last two admins at the same moment: the org
// row lock taken by CountAdmins lets exactly one through, so the org keeps an
// admin.
TEST(OrgServiceReplicasTest, ReplicasCannotRemoveOrDemoteTheLastTwoAdminsTogether) {
  auto url = testing::CreateTestDatabase(testing::TestDatabaseSchema::kMigrated);
  ASSERT_TRUE(url.has_value()) << url.error().message;
  auto open = [&]() -> storage::StorePtr {
    storage::PostgresOptions options;
    options.url = *url;
    options.pool_size = 1;
    auto store = storage::OpenPostgresStore(options);
    EXPECT_TRUE(store.has_value()) << store.error().message << " " << store.error().detail;
    return store ? std::move(*store) : nullptr;
  };
  storage::StorePtr setup = open();
  storage::StorePtr store_a = open();
  storage::StorePtr store_b = open();
  ASSERT_NE(setup, nullptr);
  ASSERT_NE(store_a, nullptr);
  ASSERT_NE(store_b, nullptr);
  testing::FakeClock clock;
  crypto::OpenSslRandom random;
  events::RecordingSink sink_a, sink_b;
  OrgService a(*store_a, clock, sink_a);
  OrgService b(*store_b, clock, sink_b);
  const auto alice = testing::CreateTestUser(*setup, random, clock, "alice").user;
  const auto bob = testing::CreateTestUser(*setup, random, clock, "bob").user;
  const auto carol = testing::CreateTestUser(*setup, random, clock, "carol").user;

  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const std::string org_name = "acme-" + std::to_string(round);
    storage::OrgRecord org{random.Uuid(), org_name, clock.NowSeconds(), 0};
    ASSERT_TRUE(setup->CreateOrg(org, alice.id).has_value());
    ASSERT_TRUE(setup->AddMember(org.id, bob.id, OrgRole::kAdmin, clock.NowSeconds()));
    ASSERT_TRUE(setup->AddMember(org.id, carol.id, OrgRole::kMember, clock.NowSeconds()));
    // Carol acts (an access granted when she was an admin): neither call
    // removes or demotes its caller.
    const auth::Access access = testing::OrgAccessFor(*setup, carol, org_name, OrgRole::kAdmin);
    // Even rounds: two demotions; odd rounds: a demotion and a removal.
    const bool remove = round % 2 == 1;
    std::atomic<int> ok{0};
    std::atomic<int> refused{0};
    auto count = [&](const Result<void>& result) {
      if (result) {
        ++ok;
      } else if (result.error().code == ErrorCode::kInvalidArgument &&
                 result.error().message.find("at least one admin") != std::string::npos) {
        ++refused;
      } else {
        ADD_FAILURE() << org_name << ": " << result.error().message << " "
                      << result.error().detail;
      }
    };
    std::thread ta([&] { count(a.SetMemberRole(access, "alice", OrgRole::kMember)); });
    std::thread tb([&] {
      count(remove ? b.RemoveMember(access, "bob") : b.SetMemberRole(access, "bob", OrgRole::kMember));
    });
    ta.join();
    tb.join();
    EXPECT_EQ(ok.load(), 1) << org_name;
    EXPECT_EQ(refused.load(), 1) << org_name;
    auto admins = setup->CountAdmins(org.id);
    ASSERT_TRUE(admins.has_value()) << admins.error().message;
    EXPECT_EQ(*admins, 1) << org_name;
  }
  EXPECT_EQ(sink_a.Events().size() + sink_b.Events().size(), static_cast<size_t>(kRounds));
}

}  // namespace
}  // namespace statehouse::orgs
