#include "tokens/service.h"

#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::tokens {
namespace {

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    service_ = std::make_unique<TokenService>(*store_, clock_, random_, sink_);
    storage::UserRecord user{random_.Uuid(), "alice", "Alice", "", false, clock_.NowSeconds()};
    storage::OrgRecord org{random_.Uuid(), "alice", clock_.NowSeconds(), 0};
    ASSERT_TRUE(store_->CreateUserWithPersonalOrg(user, org, std::nullopt, "").has_value());
    alice_.principal.user = user;
    alice_.source_ip = "198.51.100.4";
  }

  const auth::Principal& alice() const { return alice_.principal; }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink recorded_;
  testing::SwitchableSink sink_{recorded_};
  storage::StorePtr store_;
  std::unique_ptr<TokenService> service_;
  auth::Access alice_;  // a kUser access, as the guard builds it
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
      auto page = service_->List(alice(), filter, token, page_size);
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
  EXPECT_EQ(service_->List(alice(), TokenFilter::kAll, "not-a-token", 10).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->List(alice(), TokenFilter::kAll, std::nullopt, 0).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(TokenServiceTest, DeleteIsImmediateAndScopedToTheOwner) {
  auto t = service_->Create(alice_, "", "", 0);
  ASSERT_TRUE(t.has_value());
  auth::Access mallory;
  mallory.principal.user.id = "someone-else";
  EXPECT_EQ(service_->Delete(mallory, t->record.id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(service_->Delete(alice_, t->record.id).has_value());
  auto found = store_->FindTokenByHash(t->hash);
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(service_->Delete(alice_, t->record.id).error().code, ErrorCode::kNotFound);
}

TEST_F(TokenServiceTest, CreateAndDeletePublishOneEventPerOrgOfTheUser) {
  storage::OrgRecord acme{random_.Uuid(), "acme", clock_.NowSeconds(), 0};
  auto bob = testing::CreateTestUser(*store_, random_, clock_, "bob");
  ASSERT_TRUE(store_->CreateOrg(acme, bob.user.id).has_value());
  ASSERT_TRUE(
      store_->AddMember(acme.id, alice().user.id, storage::OrgRole::kMember, 1).has_value());

  auto t = service_->Create(alice_, "ci", "for ci", 0);
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(service_->Delete(alice_, t->record.id).has_value());
  auto described = service_->Create(alice_, "", "deploy bot", 0);
  ASSERT_TRUE(described.has_value());

  auto events = recorded_.Events();
  ASSERT_EQ(events.size(), 6u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(events[i].kind, i < 2 ? "personal-token-created" : "personal-token-deleted");
    EXPECT_EQ(events[i].target, "ci");
    EXPECT_EQ(events[i].fields.at("tokenID"), t->record.id);
    EXPECT_EQ(events[i].actor.login, "alice");
    EXPECT_EQ(events[i].actor.source_ip, "198.51.100.4");
    EXPECT_EQ(events[i].time, clock_.NowSeconds());
    EXPECT_TRUE(events[i].stack_id.empty());
  }
  // Memberships are ordered by org name.
  EXPECT_EQ(events[0].org_name, "acme");
  EXPECT_EQ(events[0].org_id, acme.id);
  EXPECT_EQ(events[1].org_name, "alice");
  EXPECT_EQ(events[2].org_name, "acme");
  EXPECT_EQ(events[3].org_name, "alice");
  // The name defaults to (the start of) the description.
  EXPECT_EQ(events[4].target, "deploy bot");
}

TEST_F(TokenServiceTest, AFailingEventSinkRollsTheChangeBack) {
  auto kept = service_->Create(alice_, "kept", "", 0);
  ASSERT_TRUE(kept.has_value());
  sink_.SetFailing(true);
  auto refused = service_->Create(alice_, "refused", "", 0);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(service_->Delete(alice_, kept->record.id).has_value());
  auto tokens = store_->ListTokens(alice().user.id, std::nullopt, 10);
  ASSERT_TRUE(tokens.has_value());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].id, kept->record.id);
  EXPECT_EQ(recorded_.Events().size(), 1u);
}

}  // namespace
}  // namespace statehouse::tokens
