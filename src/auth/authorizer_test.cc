#include "auth/authorizer.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"
#include "tokens/service.h"

namespace statehouse::auth {
namespace {

using storage::OrgRole;

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<Authorizer>(*store_, clock_);

    admin_token_ = AddUser("admin", true);
    bob_token_ = AddUser("bob", false);
    carol_token_ = AddUser("carol", false);
    auto acme = store_->GetOrgByName("admin");
    ASSERT_TRUE(acme.has_value());
    org_ = *acme;
    auto bob = store_->GetUserByLogin("bob");
    ASSERT_TRUE(bob.has_value());
    ASSERT_TRUE(store_->AddMember(org_.id, bob->id, OrgRole::kMember, clock_.NowSeconds()).has_value());

    auto admin = store_->GetUserByLogin("admin");
    AddStack("web", admin->id);
    AddStack("bobs", bob->id);
  }

  std::string AddUser(const std::string& login, bool site_admin) {
    return testing::CreateTestUser(*store_, random_, clock_, login, site_admin).token;
  }

  // Gives `login` `level` on stack `stack_name` of org "admin" through a team
  // of the org that only `login` belongs to (a store write, as the teams
  // service makes it).
  void Grant(const std::string& login, const std::string& stack_name, StackPermission level) {
    auto user = store_->GetUserByLogin(login);
    ASSERT_TRUE(user.has_value());
    auto team = store_->GetTeam(org_.id, "grants-" + login);
    if (!team) {
      storage::TeamRecord record{"team-" + login, org_.id, "grants-" + login, "", "", 1};
      if (!store_->CreateTeam(record, user->id)) return;  // not a member of the org
      team = record;
    }
    auto stack = store_->GetStack(org_.name, "proj", stack_name);
    ASSERT_TRUE(stack.has_value());
    ASSERT_TRUE(
        store_->PutTeamStackGrant(team->id, stack->id, static_cast<int>(level), true).has_value());
  }

  void AddStack(const std::string& name, const std::string& creator) {
    testing::CreateTestStack(*store_, random_, clock_, org_.name, "proj", name, creator);
  }

  Principal Login(const std::string& token) {
    auto p = authorizer_->Authenticate("token " + token);
    EXPECT_TRUE(p.has_value());
    return p.value_or(Principal{});
  }

  ErrorCode Check(const std::string& token, Need need, const std::string& stack) {
    auto access = authorizer_->Authorize(Login(token), need, "admin", "proj", stack);
    return access.has_value() ? ErrorCode::kInternal : access.error().code;
  }
  bool Allowed(const std::string& token, Need need, const std::string& stack) {
    return authorizer_->Authorize(Login(token), need, "admin", "proj", stack).has_value();
  }

  // The events of `kind` published so far.
  std::vector<events::DomainEvent> Published(std::string_view kind) const {
    std::vector<events::DomainEvent> out;
    for (auto& e : sink_.Events()) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink sink_;
  storage::StorePtr store_;
  std::unique_ptr<Authorizer> authorizer_;
  storage::OrgRecord org_;
  std::string admin_token_, bob_token_, carol_token_;
};

TEST_F(AuthorizerTest, RejectsMissingMalformedAndUnknownCredentials) {
  EXPECT_EQ(authorizer_->Authenticate(std::nullopt).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(authorizer_->Authenticate("Bearer " + admin_token_).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(authorizer_->Authenticate("token ").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(authorizer_->Authenticate("token pul-0000000000000000000000000000000000000000").error().code,
            ErrorCode::kUnauthenticated);
  auto ok = authorizer_->Authenticate("token " + admin_token_);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->user.login, "admin");
  EXPECT_TRUE(ok->user.site_admin);
}

TEST_F(AuthorizerTest, ExpiredTokenStopsWorkingAtItsExpiry) {
  auto bob = store_->GetUserByLogin("bob");
  auto minted = tokens::MintToken(random_, clock_, bob->id, "short", "", clock_.NowSeconds() + 10);
  ASSERT_TRUE(store_->CreateToken(minted.record, minted.hash).has_value());
  EXPECT_TRUE(authorizer_->Authenticate("token " + minted.value).has_value());
  clock_.Advance(10);
  EXPECT_EQ(authorizer_->Authenticate("token " + minted.value).error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(AuthorizerTest, RecordsLastUseAtMostOncePerMinute) {
  Principal p = Login(bob_token_);
  auto list = [&] { return store_->ListTokens(p.user.id, std::nullopt, 10).value(); };
  EXPECT_EQ(list()[0].last_used, clock_.NowSeconds());
  const int64_t first = clock_.NowSeconds();
  clock_.Advance(30);
  Login(bob_token_);
  EXPECT_EQ(list()[0].last_used, first);
  clock_.Advance(31);
  Login(bob_token_);
  EXPECT_EQ(list()[0].last_used, clock_.NowSeconds());
}

TEST_F(AuthorizerTest, SiteAdminNeed) {
  EXPECT_TRUE(authorizer_->Authorize(Login(admin_token_), Need::kSiteAdmin, "", "", "").has_value());
  EXPECT_EQ(authorizer_->Authorize(Login(bob_token_), Need::kSiteAdmin, "", "", "").error().code,
            ErrorCode::kPermissionDenied);
}

TEST_F(AuthorizerTest, OrgNeedsHideOrgsFromOutsiders) {
  auto check = [&](const std::string& token, Need need) {
    auto a = authorizer_->Authorize(Login(token), need, "admin", "", "");
    return a.has_value() ? ErrorCode::kInternal : a.error().code;
  };
  EXPECT_TRUE(authorizer_->Authorize(Login(admin_token_), Need::kOrgAdmin, "admin", "", "").has_value());
  EXPECT_TRUE(authorizer_->Authorize(Login(bob_token_), Need::kOrgMember, "admin", "", "").has_value());
  EXPECT_EQ(check(bob_token_, Need::kOrgAdmin), ErrorCode::kPermissionDenied);
  EXPECT_EQ(check(carol_token_, Need::kOrgMember), ErrorCode::kNotFound);
  EXPECT_EQ(check(carol_token_, Need::kOrgAdmin), ErrorCode::kNotFound);
  EXPECT_EQ(authorizer_->Authorize(Login(bob_token_), Need::kOrgMember, "nope", "", "").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(authorizer_->Authorize(Login(bob_token_), Need::kOrgMember, "../x", "", "").error().code,
            ErrorCode::kNotFound);
}

TEST_F(AuthorizerTest, OrgAdminHasAdminOnEveryStack) {
  EXPECT_TRUE(Allowed(admin_token_, Need::kStackAdmin, "web"));
  EXPECT_TRUE(Allowed(admin_token_, Need::kStackAdmin, "bobs"));
}

TEST_F(AuthorizerTest, CreatorHasAdminOnOwnStack) {
  EXPECT_TRUE(Allowed(bob_token_, Need::kStackAdmin, "bobs"));
}

TEST_F(AuthorizerTest, MemberWithoutGrantGetsNotFound) {
  EXPECT_EQ(Check(bob_token_, Need::kStackRead, "web"), ErrorCode::kNotFound);
  EXPECT_EQ(Check(bob_token_, Need::kStackAdmin, "web"), ErrorCode::kNotFound);
}

TEST_F(AuthorizerTest, OutsiderGetsNotFoundEvenForExistingStacks) {
  EXPECT_EQ(Check(carol_token_, Need::kStackRead, "web"), ErrorCode::kNotFound);
  EXPECT_EQ(Check(carol_token_, Need::kStackRead, "missing"), ErrorCode::kNotFound);
}

TEST_F(AuthorizerTest, GrantLevelsGiveReadWriteAdminAnd403Above) {
  Grant("bob", "web", StackPermission::kRead);
  EXPECT_TRUE(Allowed(bob_token_, Need::kStackRead, "web"));
  EXPECT_EQ(Check(bob_token_, Need::kStackWrite, "web"), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Check(bob_token_, Need::kStackAdmin, "web"), ErrorCode::kPermissionDenied);
  Grant("bob", "web", StackPermission::kWrite);
  EXPECT_TRUE(Allowed(bob_token_, Need::kStackWrite, "web"));
  EXPECT_EQ(Check(bob_token_, Need::kStackAdmin, "web"), ErrorCode::kPermissionDenied);
  Grant("bob", "web", StackPermission::kAdmin);
  EXPECT_TRUE(Allowed(bob_token_, Need::kStackAdmin, "web"));
  // Outside the org nothing grants access: teams hold only org members.
  Grant("carol", "web", StackPermission::kAdmin);
  EXPECT_EQ(Check(carol_token_, Need::kStackRead, "web"), ErrorCode::kNotFound);
}

TEST_F(AuthorizerTest, StackAccessCarriesResolvedRecords) {
  auto access = authorizer_->Authorize(Login(admin_token_), Need::kStackRead, "ADMIN", "proj", "web");
  ASSERT_TRUE(access.has_value());
  ASSERT_TRUE(access->stack.has_value());
  EXPECT_EQ(access->stack->name, "web");
  EXPECT_EQ(access->org->name, "admin");
  EXPECT_EQ(access->org_role, OrgRole::kAdmin);
  EXPECT_EQ(access->stack_permission, StackPermission::kAdmin);
}

// ---------------------------------------------------------------------------
// Security events

TEST_F(AuthorizerTest, NoSinkNoEvents) {
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"admin", "192.0.2.1"}).has_value());
  Login(bob_token_);
  EXPECT_TRUE(sink_.Events().empty());
}

TEST_F(AuthorizerTest, UserLoginIsPublishedPerOrgWhenTheTokenUseIsRecorded) {
  authorizer_->SetEventSink(&sink_);
  auto bob = authorizer_->Authenticate("token " + bob_token_, {"", "192.0.2.10"});
  ASSERT_TRUE(bob.has_value());
  auto logins = Published("user-login");
  ASSERT_EQ(logins.size(), 2u);  // bob's orgs: admin and bob
  EXPECT_EQ(logins[0].org_name, "admin");
  EXPECT_EQ(logins[0].org_id, org_.id);
  EXPECT_EQ(logins[1].org_name, "bob");
  for (const auto& e : logins) {
    EXPECT_EQ(e.target, "bob");
    EXPECT_EQ(e.actor.login, "bob");
    EXPECT_EQ(e.actor.user_id, bob->user.id);
    EXPECT_EQ(e.actor.token_id, bob->token_id);
    EXPECT_EQ(e.actor.source_ip, "192.0.2.10");
    EXPECT_EQ(e.time, clock_.NowSeconds());
    EXPECT_TRUE(e.fields.empty());
  }
  clock_.Advance(59);
  Login(bob_token_);
  EXPECT_EQ(Published("user-login").size(), 2u);
  clock_.Advance(1);
  Login(bob_token_);
  EXPECT_EQ(Published("user-login").size(), 4u);
}

TEST_F(AuthorizerTest, AFailingSinkLeavesLastUseUnrecordedButLetsTheCallerIn) {
  testing::FailingSink failing;
  authorizer_->SetEventSink(&failing);
  auto p = authorizer_->Authenticate("token " + bob_token_);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(store_->ListTokens(p->user.id, std::nullopt, 10)->at(0).last_used, 0);
  EXPECT_EQ(failing.attempts(), 1);
  authorizer_->SetEventSink(&sink_);
  Login(bob_token_);
  EXPECT_EQ(store_->ListTokens(p->user.id, std::nullopt, 10)->at(0).last_used, clock_.NowSeconds());
}

TEST_F(AuthorizerTest, LoginFailuresNameTheirReasonOnlyForExistingOrgs) {
  authorizer_->SetEventSink(&sink_);
  auto bob = store_->GetUserByLogin("bob");
  auto expired = tokens::MintToken(random_, clock_, bob->id, "old", "", clock_.NowSeconds() + 1);
  ASSERT_TRUE(store_->CreateToken(expired.record, expired.hash).has_value());
  clock_.Advance(1);

  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"ADMIN", "192.0.2.1"}).has_value());
  EXPECT_FALSE(authorizer_
                   ->Authenticate("token pul-0000000000000000000000000000000000000000",
                                  {"admin", "192.0.2.2"})
                   .has_value());
  EXPECT_FALSE(authorizer_->Authenticate("Bearer x", {"admin", "192.0.2.3"}).has_value());
  EXPECT_FALSE(
      authorizer_->Authenticate("token " + expired.value, {"admin", "192.0.2.4"}).has_value());
  // No event without an org, or for an org that does not exist.
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"", "192.0.2.5"}).has_value());
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"nope", "192.0.2.6"}).has_value());
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"../x", "192.0.2.7"}).has_value());

  auto failed = Published("user-login-failed");
  ASSERT_EQ(failed.size(), 4u);
  std::vector<std::string> seen;
  for (const auto& e : failed) {
    EXPECT_EQ(e.org_name, "admin");
    EXPECT_EQ(e.org_id, org_.id);
    EXPECT_TRUE(e.actor.user_id.empty());
    EXPECT_TRUE(e.target.empty());
    seen.push_back(e.actor.source_ip + " " + e.fields.at("reason"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"192.0.2.1 missing token", "192.0.2.2 invalid token",
                                            "192.0.2.3 invalid token", "192.0.2.4 expired token"}));
  EXPECT_EQ(sink_.Events().size(), 4u);
}

TEST_F(AuthorizerTest, FailureEventsAreThrottledPerOrgSourceAndKind) {
  authorizer_->SetEventSink(&sink_);
  for (int i = 0; i < 50; ++i) {
    EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"admin", "192.0.2.1"}).has_value());
    EXPECT_FALSE(
        authorizer_->Authorize(Login(carol_token_), Need::kOrgMember, "admin", "", "", "192.0.2.1")
            .has_value());
  }
  EXPECT_EQ(Published("user-login-failed").size(), 1u);
  EXPECT_EQ(Published("auth-failure-organization-role").size(), 1u);
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"admin", "192.0.2.2"}).has_value());
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"carol", "192.0.2.1"}).has_value());
  EXPECT_EQ(Published("user-login-failed").size(), 3u);
  clock_.Advance(Authorizer::kFailureEventSeconds - 1);
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"admin", "192.0.2.1"}).has_value());
  EXPECT_EQ(Published("user-login-failed").size(), 3u);
  clock_.Advance(1);
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"admin", "192.0.2.1"}).has_value());
  EXPECT_EQ(Published("user-login-failed").size(), 4u);
}

TEST_F(AuthorizerTest, AFloodFromManySourcesWritesABoundedNumberOfEvents) {
  authorizer_->SetEventSink(&sink_);
  const int flood = static_cast<int>(Authorizer::kMaxThrottledKeys) + 500;
  for (int i = 0; i < flood; ++i) {
    const std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"admin", ip}).has_value());
  }
  EXPECT_EQ(Published("user-login-failed").size(), Authorizer::kMaxThrottledKeys);
  // Once the quiet period is over the old keys are forgotten.
  clock_.Advance(Authorizer::kFailureEventSeconds);
  EXPECT_FALSE(authorizer_->Authenticate(std::nullopt, {"admin", "10.9.9.9"}).has_value());
  EXPECT_EQ(Published("user-login-failed").size(), Authorizer::kMaxThrottledKeys + 1);
}

TEST_F(AuthorizerTest, RefusedOrgAndStackAccessIsPublished) {
  authorizer_->SetEventSink(&sink_);
  auto refuse = [&](const std::string& token, Need need, const std::string& org,
                    const std::string& stack, const std::string& ip) {
    auto a = authorizer_->Authorize(Login(token), need, org, "proj", stack, ip);
    EXPECT_FALSE(a.has_value());
  };
  refuse(carol_token_, Need::kOrgMember, "admin", "", "198.51.100.1");  // 404: not a member
  refuse(bob_token_, Need::kOrgAdmin, "admin", "", "198.51.100.2");     // 403
  refuse(carol_token_, Need::kStackRead, "admin", "web", "198.51.100.3");
  refuse(bob_token_, Need::kStackRead, "admin", "web", "198.51.100.4");  // 404: no permission
  Grant("bob", "web", StackPermission::kRead);
  refuse(bob_token_, Need::kStackWrite, "admin", "web", "198.51.100.5");  // 403
  // Nothing to hide or refuse: no event.
  refuse(bob_token_, Need::kStackRead, "admin", "missing", "198.51.100.6");
  refuse(bob_token_, Need::kOrgMember, "nope", "", "198.51.100.7");
  refuse(bob_token_, Need::kSiteAdmin, "", "", "198.51.100.8");

  auto roles = Published("auth-failure-organization-role");
  ASSERT_EQ(roles.size(), 3u);
  EXPECT_EQ(roles[0].target, "carol");
  EXPECT_EQ(roles[0].actor.login, "carol");
  EXPECT_EQ(roles[0].actor.source_ip, "198.51.100.1");
  EXPECT_EQ(roles[0].org_name, "admin");
  EXPECT_EQ(roles[0].fields.at("required"), "member");
  EXPECT_EQ(roles[1].target, "bob");
  EXPECT_EQ(roles[1].fields.at("required"), "admin");
  EXPECT_EQ(roles[2].target, "carol");
  EXPECT_EQ(roles[2].fields.at("required"), "member");
  EXPECT_TRUE(roles[2].stack_id.empty());

  auto stacks = Published("auth-failure-stack-permission");
  ASSERT_EQ(stacks.size(), 2u);
  auto web = store_->GetStack("admin", "proj", "web");
  for (const auto& e : stacks) {
    EXPECT_EQ(e.org_name, "admin");
    EXPECT_EQ(e.target, "proj/web");
    EXPECT_EQ(e.stack_id, web->id);
    EXPECT_EQ(e.actor.login, "bob");
  }
  EXPECT_EQ(stacks[0].fields.at("required"), "read");
  EXPECT_EQ(stacks[0].actor.source_ip, "198.51.100.4");
  EXPECT_EQ(stacks[1].fields.at("required"), "write");
  EXPECT_EQ(sink_.Events().size() - Published("user-login").size(), 5u);
}

TEST_F(AuthorizerTest, RecordDenialPublishesForOrgAndStackAccess) {
  authorizer_->SetEventSink(&sink_);
  auto org = authorizer_->Authorize(Login(bob_token_), Need::kOrgMember, "admin", "", "");
  ASSERT_TRUE(org.has_value());
  org->source_ip = "198.51.100.9";
  authorizer_->RecordDenial(*org);
  auto stack =
      authorizer_->Authorize(Login(bob_token_), Need::kStackAdmin, "admin", "proj", "bobs");
  ASSERT_TRUE(stack.has_value());
  stack->source_ip = "198.51.100.9";
  authorizer_->RecordDenial(*stack);
  authorizer_->RecordDenial(Access{});  // no org: nothing

  auto role = Published("auth-failure-organization-role");
  ASSERT_EQ(role.size(), 1u);
  EXPECT_EQ(role[0].target, "bob");
  EXPECT_EQ(role[0].fields.at("required"), "admin");
  EXPECT_EQ(role[0].actor.source_ip, "198.51.100.9");
  auto permission = Published("auth-failure-stack-permission");
  ASSERT_EQ(permission.size(), 1u);
  EXPECT_EQ(permission[0].target, "proj/bobs");
  EXPECT_EQ(permission[0].fields.at("required"), "admin");
}

}  // namespace
}  // namespace statehouse::auth
