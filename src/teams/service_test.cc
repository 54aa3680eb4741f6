#include "teams/service.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "auth/authorizer.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::teams {
namespace {

using storage::OrgRole;
using storage::TeamRole;

class TeamServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    service_ = std::make_unique<TeamService>(*store_, clock_, random_, sink_);
    alice_ = testing::CreateTestUser(*store_, random_, clock_, "alice").user;
    bob_ = testing::CreateTestUser(*store_, random_, clock_, "bob").user;
    carol_ = testing::CreateTestUser(*store_, random_, clock_, "carol").user;
    testing::CreateTestUser(*store_, random_, clock_, "mallory");
    storage::OrgRecord acme{random_.Uuid(), "acme", clock_.NowSeconds(), 0};
    ASSERT_TRUE(store_->CreateOrg(acme, alice_.id).has_value());
    ASSERT_TRUE(store_->AddMember(acme.id, bob_.id, OrgRole::kMember, clock_.NowSeconds()));
    ASSERT_TRUE(store_->AddMember(acme.id, carol_.id, OrgRole::kMember, clock_.NowSeconds()));
    admin_ = AccessFor(alice_, OrgRole::kAdmin);
    stack_ = testing::CreateTestStack(*store_, random_, clock_, "acme", "web", "prod", alice_.id);
  }

  auth::Access AccessFor(const storage::UserRecord& user, OrgRole role) {
    return testing::OrgAccessFor(*store_, user, "acme", role);
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink sink_;
  storage::StorePtr store_;
  std::unique_ptr<TeamService> service_;
  storage::UserRecord alice_, bob_, carol_;
  storage::StackRecord stack_;
  auth::Access admin_;
};

TEST_F(TeamServiceTest, CreateMakesTheCreatorTeamAdmin) {
  auto view = service_->Create(admin_, "ops", "Operations", "Keeps things running");
  ASSERT_TRUE(view.has_value()) << view.error().message;
  EXPECT_EQ(view->team.name, "ops");
  EXPECT_EQ(view->team.display_name, "Operations");
  ASSERT_EQ(view->members.size(), 1u);
  EXPECT_EQ(view->members[0].login, "alice");
  EXPECT_EQ(view->members[0].role, TeamRole::kAdmin);
  EXPECT_EQ(view->caller_role, TeamRole::kAdmin);
  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "team-created");
  EXPECT_EQ(events[0].target, "ops");
  EXPECT_EQ(events[0].actor.login, "alice");
}

TEST_F(TeamServiceTest, CreateValidates) {
  ASSERT_TRUE(service_->Create(admin_, "ops", "", "").has_value());
  EXPECT_EQ(service_->Create(admin_, "OPS", "", "").error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(service_->Create(admin_, "", "", "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(admin_, "a/b", "", "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(admin_, "dev", std::string(101, 'x'), "").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->Create(admin_, "dev", std::string(100, 'x'), "").has_value());
  EXPECT_EQ(service_->Get(admin_, "ops")->team.display_name, "ops");
}

TEST_F(TeamServiceTest, TeamAdminsManageMembersButNotGrants) {
  ASSERT_TRUE(service_->Create(admin_, "ops", "", "").has_value());
  auto bob = AccessFor(bob_, OrgRole::kMember);
  EXPECT_EQ(service_->ChangeMember(bob, "ops", MemberAction::kAdd, "carol").error().code,
            ErrorCode::kPermissionDenied);
  ASSERT_TRUE(service_->ChangeMember(admin_, "ops", MemberAction::kAdd, "bob").has_value());
  EXPECT_EQ(service_->ChangeMember(bob, "ops", MemberAction::kAdd, "carol").error().code,
            ErrorCode::kPermissionDenied);
  ASSERT_TRUE(service_->ChangeMember(admin_, "ops", MemberAction::kPromote, "bob").has_value());
  ASSERT_TRUE(service_->ChangeMember(bob, "ops", MemberAction::kAdd, "carol").has_value());
  EXPECT_EQ(service_->ChangeMember(bob, "ops", MemberAction::kAdd, "carol").error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(service_->ChangeMember(bob, "ops", MemberAction::kAdd, "mallory").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->ChangeMember(bob, "ops", MemberAction::kAdd, "nobody").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->SetStackPermission(bob, "ops", "web", "prod", 101, true).error().code,
            ErrorCode::kPermissionDenied);
  ASSERT_TRUE(service_->ChangeMember(bob, "ops", MemberAction::kRemove, "carol").has_value());
  EXPECT_EQ(service_->ChangeMember(bob, "ops", MemberAction::kRemove, "carol").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->ChangeMember(bob, "ops", MemberAction::kDemote, "carol").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->ChangeMember(bob, "missing", MemberAction::kAdd, "carol").error().code,
            ErrorCode::kNotFound);

  auto view = service_->Get(bob, "ops");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->caller_role, TeamRole::kAdmin);
  std::vector<std::string> actions;
  for (const auto& e : sink_.Events()) {
    if (e.kind == "team-updated") actions.push_back(e.fields.at("action") + ":" + e.fields.at("member"));
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"member-added:bob", "member-promoted:bob",
                                               "member-added:carol", "member-removed:carol"}));
}

TEST_F(TeamServiceTest, StackGrantsFeedTheAuthorizer) {
  ASSERT_TRUE(service_->Create(admin_, "ops", "", "").has_value());
  ASSERT_TRUE(service_->ChangeMember(admin_, "ops", MemberAction::kAdd, "bob").has_value());
  // The permission team grants give a plain member (no org default, not the
  // creator).
  auth::Authorizer authorizer(*store_, clock_);
  const storage::OrgRecord org = *store_->GetOrgByName(stack_.org_name);
  struct {
    auth::Authorizer& authorizer;
    const storage::OrgRecord& org;
    Result<auth::StackPermission> GrantFor(const storage::UserRecord& user,
                                           const storage::StackRecord& stack) {
      return authorizer.EffectivePermission(auth::Principal{user, "", ""}, org,
                                            storage::OrgRole::kMember, stack);
    }
  } source{authorizer, org};
  EXPECT_EQ(*source.GrantFor(bob_, stack_), auth::StackPermission::kNone);

  EXPECT_EQ(service_->SetStackPermission(admin_, "ops", "web", "prod", 104, true).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->SetStackPermission(admin_, "ops", "web", "missing", 101, true).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->SetStackPermission(admin_, "ops", "web", "prod", 102, false).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(service_->SetStackPermission(admin_, "ops", "web", "prod", 101, true).has_value());
  EXPECT_EQ(*source.GrantFor(bob_, stack_), auth::StackPermission::kRead);
  EXPECT_EQ(*source.GrantFor(carol_, stack_), auth::StackPermission::kNone);
  ASSERT_TRUE(service_->SetStackPermission(admin_, "ops", "web", "prod", 103, false).has_value());
  EXPECT_EQ(*source.GrantFor(bob_, stack_), auth::StackPermission::kAdmin);
  auto view = service_->Get(admin_, "ops");
  ASSERT_EQ(view->stacks.size(), 1u);
  EXPECT_EQ(view->stacks[0].project, "web");
  EXPECT_EQ(view->stacks[0].permission, 103);

  ASSERT_TRUE(service_->RemoveStack(admin_, "ops", "web", "prod").has_value());
  EXPECT_EQ(service_->RemoveStack(admin_, "ops", "web", "prod").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*source.GrantFor(bob_, stack_), auth::StackPermission::kNone);

  std::vector<std::string> actions;
  for (const auto& e : sink_.Events()) {
    if (e.kind == "team-updated") actions.push_back(e.fields.at("action"));
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"member-added", "stack-permission-added",
                                               "stack-permission-changed", "stack-removed"}));
}

TEST_F(TeamServiceTest, UpdateInfoAndDeleteNeedOrgAdmin) {
  ASSERT_TRUE(service_->Create(admin_, "ops", "", "").has_value());
  ASSERT_TRUE(service_->ChangeMember(admin_, "ops", MemberAction::kAdd, "bob").has_value());
  ASSERT_TRUE(service_->ChangeMember(admin_, "ops", MemberAction::kPromote, "bob").has_value());
  auto bob = AccessFor(bob_, OrgRole::kMember);
  EXPECT_EQ(service_->UpdateInfo(bob, "ops", std::string("x"), std::nullopt).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->Delete(bob, "ops").error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->UpdateInfo(admin_, "ops", std::string(101, 'x'), std::nullopt).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(service_->UpdateInfo(admin_, "ops", std::string("Ops"), std::string("d")).has_value());
  EXPECT_EQ(service_->Get(bob, "ops")->team.description, "d");

  ASSERT_TRUE(service_->Delete(admin_, "ops").has_value());
  EXPECT_EQ(service_->Delete(admin_, "ops").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Get(admin_, "ops").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(sink_.Events().back().kind, "team-deleted");
}

TEST_F(TeamServiceTest, AFailingEventSinkRollsEveryChangeBack) {
  ASSERT_TRUE(service_->Create(admin_, "ops", "", "").has_value());
  testing::FailingSink failing;
  TeamService service(*store_, clock_, random_, failing);
  EXPECT_EQ(service.Create(admin_, "dev", "", "").error().code, ErrorCode::kInternal);
  EXPECT_EQ(store_->GetTeam(admin_.org->id, "dev").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(service.ChangeMember(admin_, "ops", MemberAction::kAdd, "bob").has_value());
  EXPECT_FALSE(service.SetStackPermission(admin_, "ops", "web", "prod", 101, true).has_value());
  EXPECT_FALSE(service.UpdateInfo(admin_, "ops", "Ops!", std::nullopt).has_value());
  EXPECT_FALSE(service.Delete(admin_, "ops").has_value());

  auto team = service_->Get(admin_, "ops");
  ASSERT_TRUE(team.has_value());
  EXPECT_EQ(team->team.display_name, "ops");
  ASSERT_EQ(team->members.size(), 1u);  // alice only
  EXPECT_TRUE(team->stacks.empty());
  EXPECT_EQ(failing.attempts(), 5);
}

}  // namespace
}  // namespace statehouse::teams
