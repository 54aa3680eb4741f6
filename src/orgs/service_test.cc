#include "orgs/service.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
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

}  // namespace
}  // namespace statehouse::orgs
