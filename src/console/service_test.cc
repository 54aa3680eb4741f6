#include "console/service.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"
#include "tokens/service.h"

namespace statehouse::console {
namespace {

using auth::Need;
using auth::SessionCredentials;

class SessionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    authorizer_ = std::make_unique<auth::Authorizer>(*store_, clock_);
    service_ = std::make_unique<SessionService>(*store_, clock_, random_, sink_, *authorizer_,
                                                3600);
    token_ = testing::CreateTestUser(*store_, random_, clock_, "alice").token;
  }

  ErrorCode Code(const Result<auth::Access>& r) {
    return r.has_value() ? ErrorCode::kInternal : r.error().code;
  }
  Result<auth::Access> Read(const SignedIn& s) {
    return authorizer_->CheckSession(SessionCredentials{s.cookie, std::nullopt, false},
                                     Need::kUser, "", "", "", "127.0.0.1", true);
  }
  Result<auth::Access> Write(const SignedIn& s, std::optional<std::string_view> csrf) {
    return authorizer_->CheckSession(SessionCredentials{s.cookie, csrf, true}, Need::kOrgAdmin,
                                     "alice", "", "", "127.0.0.1");
  }
  size_t Count(std::string_view kind) {
    size_t n = 0;
    for (const auto& e : sink_.Events()) n += e.kind == kind && e.fields.count("via") ? 1 : 0;
    return n;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink sink_;
  storage::StorePtr store_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<SessionService> service_;
  std::string token_;
};

TEST_F(SessionServiceTest, SessionActsAsItsTokenUntilItExpires) {
  auto s = service_->SignIn(token_, "10.0.0.1");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->user.login, "alice");
  EXPECT_EQ(s->cookie.size(), 64u);
  EXPECT_EQ(s->expires, clock_.NowSeconds() + 3600);
  EXPECT_EQ(s->lifetime, 3600);
  EXPECT_EQ(s->csrf_token, auth::Authorizer::CsrfTokenFor(s->cookie));
  EXPECT_NE(s->csrf_token, s->cookie);
  EXPECT_EQ(Count("user-login"), 1u);

  auto read = Read(*s);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->principal.user.login, "alice");
  // State changes need the CSRF token.
  EXPECT_EQ(Code(Write(*s, std::nullopt)), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Code(Write(*s, std::string(64, 'a'))), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(Write(*s, s->csrf_token).has_value());

  clock_.Advance(3599);
  EXPECT_TRUE(Read(*s).has_value());
  clock_.Advance(1);
  EXPECT_EQ(Code(Read(*s)), ErrorCode::kUnauthenticated);
}

TEST_F(SessionServiceTest, SignOutEndsTheSessionAtOnce) {
  auto s = service_->SignIn(token_, "10.0.0.1");
  ASSERT_TRUE(s.has_value());
  auto access = Read(*s);
  ASSERT_TRUE(access.has_value());
  ASSERT_TRUE(service_->SignOut(*access, s->cookie).has_value());
  EXPECT_EQ(Code(Read(*s)), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Count("user-logout"), 1u);
  // Again: nothing left to end, nothing recorded.
  ASSERT_TRUE(service_->SignOut(*access, s->cookie).has_value());
  EXPECT_EQ(Count("user-logout"), 1u);
}

TEST_F(SessionServiceTest, RefusesBadTokensAndNeverOutlivesTheToken) {
  EXPECT_EQ(service_->SignIn("pul-" + std::string(40, '0'), "").error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->SignIn("not a token", "").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(Count("user-login"), 0u);

  auto alice = store_->GetUserByLogin("alice");
  auto minted = tokens::MintToken(random_, clock_, alice->id, "short", "", clock_.NowSeconds() + 60);
  ASSERT_TRUE(store_->CreateToken(minted.record, minted.hash).has_value());
  auto s = service_->SignIn(minted.value, "");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->expires, clock_.NowSeconds() + 60);
  // Deleting the token ends the session.
  ASSERT_TRUE(store_->DeleteToken(alice->id, minted.record.id).has_value());
  EXPECT_EQ(Code(Read(*s)), ErrorCode::kUnauthenticated);
  // An unknown cookie is no session.
  SignedIn forged = *s;
  forged.cookie = std::string(64, 'f');
  EXPECT_EQ(Code(Read(forged)), ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace statehouse::console
