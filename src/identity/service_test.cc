#include "identity/service.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::identity {
namespace {

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    service_ = std::make_unique<IdentityService>(*store_, clock_, random_, sink_);
  }

  // A kSiteAdmin access of a new site admin `login`, from `source_ip`.
  auth::Access SiteAdmin(const std::string& login, const std::string& source_ip) {
    auth::Access access;
    access.principal.user = testing::CreateTestUser(*store_, random_, clock_, login, true).user;
    access.principal.token_id = "t-1";
    access.principal.token_name = "laptop";
    access.source_ip = source_ip;
    return access;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink recorded_;
  testing::SwitchableSink sink_{recorded_};
  storage::StorePtr store_;
  std::unique_ptr<IdentityService> service_;
};

TEST_F(IdentityServiceTest, AddMemberPublishesMemberAddedWithTheSourceIp) {
  testing::CreateTestUser(*store_, random_, clock_, "bob");
  auth::Access alice = testing::OrgAccessFor(
      *store_, testing::CreateTestUser(*store_, random_, clock_, "alice").user, "alice",
      storage::OrgRole::kAdmin);
  alice.source_ip = "203.0.113.9";

  auto added = service_->AddMember(alice, *alice.org, "bob", storage::OrgRole::kAdmin);
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(added->second.role, storage::OrgRole::kAdmin);
  EXPECT_EQ(service_->AddMember(alice, *alice.org, "bob", storage::OrgRole::kMember).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(
      service_->AddMember(alice, *alice.org, "nobody", storage::OrgRole::kMember).error().code,
      ErrorCode::kNotFound);

  auto events = recorded_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "member-added");
  EXPECT_EQ(events[0].org_name, "alice");
  EXPECT_EQ(events[0].org_id, alice.org->id);
  EXPECT_EQ(events[0].actor.login, "alice");
  EXPECT_EQ(events[0].actor.source_ip, "203.0.113.9");
  EXPECT_EQ(events[0].target, "bob");
  EXPECT_EQ(events[0].time, clock_.NowSeconds());
  EXPECT_EQ(events[0].fields.at("role"), "admin");
}

TEST_F(IdentityServiceTest, CreateUserPublishesUserCreatedAndItsFirstToken) {
  auth::Access admin = SiteAdmin("root", "203.0.113.1");
  auto created = service_->CreateUser(admin, "carol", "Carol", "carol@example.com");
  ASSERT_TRUE(created.has_value());
  auto org = store_->GetOrgByName("carol");
  ASSERT_TRUE(org.has_value());

  auto events = recorded_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "user-created");
  EXPECT_EQ(events[0].org_id, org->id);
  EXPECT_EQ(events[0].org_name, "carol");
  EXPECT_EQ(events[0].target, "carol");
  EXPECT_EQ(events[0].actor.login, "root");
  EXPECT_EQ(events[0].actor.token_name, "laptop");
  EXPECT_EQ(events[0].actor.source_ip, "203.0.113.1");
  EXPECT_EQ(events[1].kind, "personal-token-created");
  EXPECT_EQ(events[1].org_name, "carol");
  EXPECT_EQ(events[1].target, "initial");
  auto tokens = store_->ListTokens(created->user.id, std::nullopt, 10);
  ASSERT_TRUE(tokens.has_value() && tokens->size() == 1u);
  EXPECT_EQ(events[1].fields.at("tokenID"), (*tokens)[0].id);
}

TEST_F(IdentityServiceTest, CreateOrgPublishesOrganizationCreatedInTheNewOrg) {
  auth::Access admin = SiteAdmin("root", "203.0.113.1");
  testing::CreateTestUser(*store_, random_, clock_, "dave");
  auto org = service_->CreateOrg(admin, "acme", "dave");
  ASSERT_TRUE(org.has_value());
  auto events = recorded_.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "organization-created");
  EXPECT_EQ(events[0].org_id, org->id);
  EXPECT_EQ(events[0].org_name, "acme");
  EXPECT_EQ(events[0].target, "acme");
  EXPECT_EQ(events[0].fields.at("admin"), "dave");
  EXPECT_EQ(events[0].actor.login, "root");
  EXPECT_EQ(events[0].actor.source_ip, "203.0.113.1");
}

TEST_F(IdentityServiceTest, BootstrapPublishesWithoutAnActor) {
  auto boot = service_->Bootstrap("admin", std::nullopt);
  ASSERT_TRUE(boot.has_value());
  ASSERT_TRUE(boot->created);
  auto events = recorded_.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "user-created");
  EXPECT_EQ(events[0].org_name, "admin");
  EXPECT_EQ(events[0].target, "admin");
  EXPECT_TRUE(events[0].actor.user_id.empty());
  EXPECT_EQ(events[1].kind, "personal-token-created");
}

TEST_F(IdentityServiceTest, AFailingEventSinkRollsEveryChangeBack) {
  auth::Access admin = SiteAdmin("root", "203.0.113.1");
  testing::CreateTestUser(*store_, random_, clock_, "bob");
  sink_.SetFailing(true);

  auto user = service_->CreateUser(admin, "carol", "", "");
  ASSERT_FALSE(user.has_value());
  EXPECT_EQ(user.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store_->GetUserByLogin("carol").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetOrgByName("carol").error().code, ErrorCode::kNotFound);

  EXPECT_FALSE(service_->CreateOrg(admin, "acme", "bob").has_value());
  EXPECT_EQ(store_->GetOrgByName("acme").error().code, ErrorCode::kNotFound);

  auth::Access root_org =
      testing::OrgAccessFor(*store_, admin.principal.user, "root", storage::OrgRole::kAdmin);
  EXPECT_FALSE(
      service_->AddMember(root_org, *root_org.org, "bob", storage::OrgRole::kMember).has_value());
  auto bob = store_->GetUserByLogin("bob");
  ASSERT_TRUE(bob.has_value());
  EXPECT_EQ(*store_->GetRole(root_org.org->id, bob->id), storage::OrgRole::kNone);
  EXPECT_TRUE(recorded_.Events().empty());
}

}  // namespace
}  // namespace statehouse::identity
