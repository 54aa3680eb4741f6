#include "audit/service.h"

#include <gtest/gtest.h>

#include <set>

#include "audit/recorder.h"
#include "crypto/base64.h"
#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::audit {
namespace {

using storage::OrgRole;

class AuditServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    recorder_ = std::make_unique<AuditRecorder>(*store_, clock_, random_);
    service_ = std::make_unique<AuditService>(*store_);
    alice_ = testing::CreateTestUser(*store_, random_, clock_, "alice").user;
    bob_ = testing::CreateTestUser(*store_, random_, clock_, "bob").user;
    storage::OrgRecord acme{random_.Uuid(), "acme", clock_.NowSeconds(), 0};
    ASSERT_TRUE(store_->CreateOrg(acme, alice_.id).has_value());
    admin_ = testing::OrgAccessFor(*store_, alice_, "acme", OrgRole::kAdmin);
  }

  // Records `kind` done by `user` in acme at the clock's time.
  void Record(const std::string& kind, const storage::UserRecord& user,
              const std::string& target = "t") {
    events::DomainEvent e;
    e.kind = kind;
    e.org_id = admin_.org->id;
    e.org_name = "acme";
    e.actor = events::Actor{user.id, user.login, user.name, "", "", "198.51.100.4"};
    e.target = target;
    e.time = clock_.NowSeconds();
    auto published = recorder_->Publish(e);
    ASSERT_TRUE(published.has_value()) << published.error().detail;
  }

  AuditLogQuery Now() const {
    AuditLogQuery query;
    query.start_time = clock_.NowSeconds();
    return query;
  }

  // Every event of `query`, following continuation tokens `page` at a time.
  std::vector<storage::AuditEventRecord> All(AuditLogQuery query, int page) {
    std::vector<storage::AuditEventRecord> all;
    for (int i = 0; i < 1000; ++i) {
      auto got = service_->List(admin_, query, page);
      EXPECT_TRUE(got.has_value()) << (got ? "" : got.error().message);
      if (!got) break;
      EXPECT_LE(static_cast<int>(got->events.size()), page);
      all.insert(all.end(), got->events.begin(), got->events.end());
      if (!got->continuation_token) break;
      query.continuation_token = got->continuation_token;
    }
    return all;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  storage::StorePtr store_;
  std::unique_ptr<AuditRecorder> recorder_;
  std::unique_ptr<AuditService> service_;
  storage::UserRecord alice_;
  storage::UserRecord bob_;
  auth::Access admin_;
};

TEST_F(AuditServiceTest, ContinuationTokensRoundTripAndRejectGarbage) {
  storage::AuditQuery::Position position{1'700'000'123, "0000abcdef12"};
  std::string token = EncodeContinuationToken(position);
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << token;
  auto decoded = DecodeContinuationToken(token);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->time, position.time);
  EXPECT_EQ(decoded->id, position.id);

  auto bare = DecodeContinuationToken("1615413365");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->time, 1615413365);
  EXPECT_EQ(bare->id, "");

  for (const std::string& bad : std::vector<std::string>{
           "", "!!!", "eyJ0IjoxfQ", "bm90IGpzb24", token + "A", "12a", std::string(2000, 'A'),
           // {"t":"1","id":"x"}, {"t":1,"id":""}, {"t":1,"id":"x","z":0}
           std::string("eyJ0IjoiMSIsImlkIjoieCJ9"), std::string("eyJ0IjoxLCJpZCI6IiJ9"),
           std::string("eyJ0IjoxLCJpZCI6IngiLCJ6IjowfQ")}) {
    auto result = DecodeContinuationToken(bad);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST_F(AuditServiceTest, NeedsStartTimeOrToken) {
  auto missing = service_->List(admin_, AuditLogQuery{});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.error().message.find("startTime"), std::string::npos);
  AuditLogQuery with_token;
  with_token.continuation_token = EncodeContinuationToken({clock_.NowSeconds() + 1, "z"});
  EXPECT_TRUE(service_->List(admin_, with_token).has_value());
  AuditLogQuery bad_token;
  bad_token.continuation_token = "garbage!";
  EXPECT_EQ(service_->List(admin_, bad_token).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->ListAll(admin_, AuditLogQuery{}).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(AuditServiceTest, PageSizeMustBeBetweenOneAndAThousand) {
  EXPECT_EQ(service_->List(admin_, Now(), 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->List(admin_, Now(), 1001).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(service_->List(admin_, Now(), 1000).has_value());
}

TEST_F(AuditServiceTest, PagesVisitEqualSecondEventsOnceNewestFirst) {
  // 23 events in 4 seconds.
  std::vector<std::string> order;  // recording order
  for (int i = 0; i < 23; ++i) {
    if (i % 6 == 5) clock_.Advance(1);
    Record("team-created", alice_, "team" + std::to_string(i));
    order.push_back("Created team \"team" + std::to_string(i) + "\"");
  }
  for (int page : {1, 4, 6, 22, 23, 100}) {
    SCOPED_TRACE(page);
    auto all = All(Now(), page);
    ASSERT_EQ(all.size(), order.size());
    for (size_t i = 0; i < all.size(); ++i) {
      // Newest first, and within a second the latest recorded first.
      EXPECT_EQ(all[i].description, order[order.size() - 1 - i]);
    }
  }
  auto exact = service_->List(admin_, Now(), 23);
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->events.size(), 23u);
  EXPECT_FALSE(exact->continuation_token.has_value());
}

TEST_F(AuditServiceTest, StartTimeIsAnInclusiveUpperBoundAndEndTimeAnInclusiveLowerBound) {
  const int64_t t0 = clock_.NowSeconds();
  for (int i = 0; i < 5; ++i) {
    Record("team-created", alice_, "t" + std::to_string(i));
    clock_.Advance(10);
  }
  AuditLogQuery query;
  query.start_time = t0 + 20;
  auto page = service_->List(admin_, query);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->events[0].time, t0 + 20);
  EXPECT_EQ(page->events[2].time, t0);
  query.end_time = t0 + 10;
  page = service_->List(admin_, query);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[1].time, t0 + 10);
  query.end_time = t0 + 21;
  EXPECT_EQ(service_->List(admin_, query).error().code, ErrorCode::kInvalidArgument);
  // A bare-seconds token continues strictly before that second.
  AuditLogQuery bare;
  bare.continuation_token = std::to_string(t0 + 20);
  page = service_->List(admin_, bare);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->events.size(), 2u);
}

TEST_F(AuditServiceTest, FiltersByEventAndUser) {
  Record("team-created", alice_);
  Record("member-added", alice_, "bob");
  Record("team-created", bob_);
  Record("future-kind", bob_);
  clock_.Advance(1);

  AuditLogQuery query = Now();
  query.event_filters = {"Team Created"};
  EXPECT_EQ(All(query, 100).size(), 2u);
  query.event_filters = {"team-created", "MEMBER ADDED", "team-created"};
  EXPECT_EQ(All(query, 1).size(), 3u);
  query.event_filters = {"future-kind"};
  EXPECT_EQ(All(query, 100).size(), 1u);
  query.event_filters = {"no-such-kind"};
  EXPECT_TRUE(All(query, 100).empty());

  query.event_filters = {"team-created"};
  query.user_login = "BOB";
  auto bobs = All(query, 100);
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs[0].user_login, "bob");
  query.event_filters.clear();
  EXPECT_EQ(All(query, 1).size(), 2u);

  query.user_login = "nobody";
  auto unknown = service_->List(admin_, query);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->ListAll(admin_, query).error().code, ErrorCode::kNotFound);
}

TEST_F(AuditServiceTest, OnlyTheAccessedOrgsEventsAreListed) {
  storage::OrgRecord globex{random_.Uuid(), "globex", clock_.NowSeconds(), 0};
  ASSERT_TRUE(store_->CreateOrg(globex, bob_.id).has_value());
  Record("team-created", alice_);
  events::DomainEvent other;
  other.kind = "team-created";
  other.org_id = globex.id;
  other.time = clock_.NowSeconds();
  ASSERT_TRUE(recorder_->Publish(other).has_value());
  auto page = service_->List(admin_, Now());
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].org_id, admin_.org->id);
}

TEST_F(AuditServiceTest, ListAllReturnsEverythingUpToTheCap) {
  // One transaction for all rows (the recorder joins it), to keep this fast.
  ASSERT_TRUE(store_
                  ->RunInTransaction([&]() -> Result<void> {
                    for (int i = 0; i < 2'345; ++i) {
                      if (i % 500 == 0) clock_.Advance(1);
                      Record("team-created", alice_, std::to_string(i));
                    }
                    return {};
                  })
                  .has_value());
  auto all = service_->ListAll(admin_, Now());
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->events.size(), 2'345u);
  EXPECT_FALSE(all->continuation_token.has_value());
  std::set<std::string> ids;
  for (const auto& e : all->events) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 2'345u);
  EXPECT_EQ(all->events.front().description, "Created team \"2344\"");
  EXPECT_EQ(all->events.back().description, "Created team \"0\"");

  auto capped = service_->ListAll(admin_, Now(), 1'500);
  ASSERT_TRUE(capped.has_value());
  ASSERT_EQ(capped->events.size(), 1'500u);
  ASSERT_TRUE(capped->continuation_token.has_value());
  AuditLogQuery rest;
  rest.continuation_token = capped->continuation_token;
  auto remainder = service_->ListAll(admin_, rest, 1'500);
  ASSERT_TRUE(remainder.has_value());
  EXPECT_EQ(remainder->events.size(), 845u);
  EXPECT_FALSE(remainder->continuation_token.has_value());
  EXPECT_EQ(remainder->events.front().description, "Created team \"844\"");

  auto exact = service_->ListAll(admin_, Now(), 2'345);
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->events.size(), 2'345u);
  EXPECT_FALSE(exact->continuation_token.has_value());
}

}  // namespace
}  // namespace statehouse::audit
