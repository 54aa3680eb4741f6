#include "auth/authorizer.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"
#include "tokens/service.h"

namespace statehouse::auth {
namespace {

using storage::OrgRole;

class FixedGrant final : public StackGrantSource {
 public:
  Result<StackPermission> GrantFor(const storage::UserRecord& user,
                                   const storage::StackRecord& stack) override {
    return user.login == grantee && stack.name == stack_name ? level : StackPermission::kNone;
  }
  std::string grantee;
  std::string stack_name;
  StackPermission level = StackPermission::kNone;
};

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<Authorizer>(*store_, clock_);
    authorizer_->AddGrantSource(&grant_);

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

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  storage::StorePtr store_;
  std::unique_ptr<Authorizer> authorizer_;
  FixedGrant grant_;
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
  grant_.grantee = "bob";
  grant_.stack_name = "web";
  grant_.level = StackPermission::kRead;
  EXPECT_TRUE(Allowed(bob_token_, Need::kStackRead, "web"));
  EXPECT_EQ(Check(bob_token_, Need::kStackWrite, "web"), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Check(bob_token_, Need::kStackAdmin, "web"), ErrorCode::kPermissionDenied);
  grant_.level = StackPermission::kWrite;
  EXPECT_TRUE(Allowed(bob_token_, Need::kStackWrite, "web"));
  EXPECT_EQ(Check(bob_token_, Need::kStackAdmin, "web"), ErrorCode::kPermissionDenied);
  grant_.level = StackPermission::kAdmin;
  EXPECT_TRUE(Allowed(bob_token_, Need::kStackAdmin, "web"));
  // A grant in an org the caller does not belong to gives nothing.
  grant_.grantee = "carol";
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

}  // namespace
}  // namespace statehouse::auth
