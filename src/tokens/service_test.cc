#include "tokens/service.h"

#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::tokens {
namespace {

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    service_ = std::make_unique<TokenService>(*store_, clock_, random_);
    storage::UserRecord user{random_.Uuid(), "alice", "Alice", "", false, clock_.NowSeconds()};
    storage::OrgRecord org{random_.Uuid(), "alice", clock_.NowSeconds(), 0};
    ASSERT_TRUE(store_->CreateUserWithPersonalOrg(user, org, std::nullopt, "").has_value());
    alice_.user = user;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  storage::StorePtr store_;
  std::unique_ptr<TokenService> service_;
  auth::Principal alice_;
};

TEST_F(TokenServiceTest, MintedValuesAreStoredOnlyAsHashes) {
  auto minted = service_->Create(alice_, "ci", "for ci", 0);
  ASSERT_TRUE(minted.has_value());
  EXPECT_TRUE(std::regex_match(minted->value, std::regex("^pul-[0-9a-f]{40}$")));
  EXPECT_EQ(minted->hash, crypto::Sha256Hex(minted->value));
  auto found = store_->FindTokenByHash(crypto::Sha256Hex(minted->value));
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->token.id, minted->record.id);
  EXPECT_EQ((*found)->user.login, "alice");
}

TEST_F(TokenServiceTest, ExpiryMustBeFutureAndWithinTwoYears) {
  const int64_t now = clock_.NowSeconds();
  EXPECT_EQ(service_->Create(alice_, "", "", now - 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(alice_, "", "", now).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->Create(alice_, "", "", now + 3 * 365 * 86400).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->Create(alice_, "", "", now + 365 * 86400).has_value());
  EXPECT_EQ(service_->Create(alice_, std::string(41, 'n'), "", 0).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(TokenServiceTest, ListFiltersAndPages) {
  const int64_t now = clock_.NowSeconds();
  std::set<std::string> short_lived;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(service_->Create(alice_, "", "long", 0).has_value());
  for (int i = 0; i < 3; ++i) {
    auto t = service_->Create(alice_, "", "short", now + 100);
    ASSERT_TRUE(t.has_value());
    short_lived.insert(t->record.id);
  }
  clock_.Advance(200);

  auto count = [&](TokenFilter filter, int page_size) {
    std::set<std::string> ids;
    std::optional<std::string> token;
    do {
      auto page = service_->List(alice_, filter, token, page_size);
      EXPECT_TRUE(page.has_value());
      if (!page) break;
      EXPECT_LE(static_cast<int>(page->tokens.size()), page_size);
      for (const auto& t : page->tokens) EXPECT_TRUE(ids.insert(t.id).second);
      token = page->continuation_token;
    } while (token);
    return ids;
  };
  EXPECT_EQ(count(TokenFilter::kActive, 2).size(), 5u);
  EXPECT_EQ(count(TokenFilter::kExpired, 2), short_lived);
  EXPECT_EQ(count(TokenFilter::kAll, 3).size(), 8u);
  EXPECT_EQ(service_->List(alice_, TokenFilter::kAll, "not-a-token", 10).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->List(alice_, TokenFilter::kAll, std::nullopt, 0).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(TokenServiceTest, DeleteIsImmediateAndScopedToTheOwner) {
  auto t = service_->Create(alice_, "", "", 0);
  ASSERT_TRUE(t.has_value());
  auth::Principal mallory;
  mallory.user.id = "someone-else";
  EXPECT_EQ(service_->Delete(mallory, t->record.id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(service_->Delete(alice_, t->record.id).has_value());
  auto found = store_->FindTokenByHash(t->hash);
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(service_->Delete(alice_, t->record.id).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace statehouse::tokens
