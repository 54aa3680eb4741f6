#include "audit/recorder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::audit {
namespace {

class AuditRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    recorder_ = std::make_unique<AuditRecorder>(*store_, clock_, random_);
  }

  std::vector<storage::AuditEventRecord> Rows(const std::string& org_id) {
    storage::AuditQuery query;
    query.org_id = org_id;
    query.limit = 1000;
    auto rows = store_->ListAuditEvents(query);
    EXPECT_TRUE(rows.has_value());
    return rows ? *rows : std::vector<storage::AuditEventRecord>();
  }

  static events::DomainEvent Event(std::string kind) {
    events::DomainEvent e;
    e.kind = std::move(kind);
    e.org_id = "o-acme";
    e.org_name = "acme";
    e.actor = events::Actor{"u-alice", "alice", "Alice", "tok-1", "laptop", "192.0.2.10"};
    e.target = "bob";
    e.fields = {{"role", "admin"}};
    e.time = 1'700'000'100;
    return e;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  crypto::OpenSslRandom random_;
  storage::StorePtr store_;
  std::unique_ptr<AuditRecorder> recorder_;
};

TEST_F(AuditRecorderTest, RecordsOneRowWithActorFlagsAndDescription) {
  ASSERT_TRUE(recorder_->Publish(Event("member-role-changed")).has_value());
  auto rows = Rows("o-acme");
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row.id.size(), 32u);
  EXPECT_EQ(row.id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(row.org_id, "o-acme");
  EXPECT_EQ(row.time, 1'700'000'100);
  EXPECT_EQ(row.event, "member-role-changed");
  EXPECT_EQ(row.description, "Changed organization role for \"bob\" to admin");
  EXPECT_EQ(row.source_ip, "192.0.2.10");
  EXPECT_EQ(row.user_id, "u-alice");
  EXPECT_EQ(row.user_login, "alice");
  EXPECT_EQ(row.user_name, "Alice");
  EXPECT_EQ(row.token_id, "tok-1");
  EXPECT_EQ(row.token_name, "laptop");
  EXPECT_TRUE(row.req_org_admin);
  EXPECT_FALSE(row.req_stack_admin);
  EXPECT_FALSE(row.auth_failure);
}

TEST_F(AuditRecorderTest, AuthFailuresAreFlaggedButFailedLoginsAreNot) {
  ASSERT_TRUE(recorder_->Publish(Event("auth-failure-stack-permission")).has_value());
  clock_.Advance(1);
  events::DomainEvent failed = Event("user-login-failed");
  failed.actor = {};
  failed.time = 1'700'000'101;
  failed.fields = {{"reason", "invalid token"}};
  ASSERT_TRUE(recorder_->Publish(failed).has_value());
  auto rows = Rows("o-acme");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].event, "user-login-failed");
  EXPECT_FALSE(rows[0].auth_failure);
  EXPECT_EQ(rows[0].user_id, "");
  EXPECT_EQ(rows[0].description, "Failed login attempt (invalid token)");
  EXPECT_TRUE(rows[1].auth_failure);
}

TEST_F(AuditRecorderTest, EventsWithoutAnOrgAreSkipped) {
  events::DomainEvent e = Event("user-login");
  e.org_id.clear();
  EXPECT_TRUE(recorder_->Publish(e).has_value());
  EXPECT_TRUE(Rows("").empty());
  EXPECT_TRUE(Rows("o-acme").empty());
}

TEST_F(AuditRecorderTest, UnknownKindsAreRecordedAndAZeroTimeTakesTheClock) {
  events::DomainEvent e = Event("brand-new-kind");
  e.time = 0;
  ASSERT_TRUE(recorder_->Publish(e).has_value());
  auto rows = Rows("o-acme");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].event, "brand-new-kind");
  EXPECT_EQ(rows[0].time, clock_.NowSeconds());
  EXPECT_EQ(rows[0].description, "Event \"brand-new-kind\" on \"bob\" (role: \"admin\")");
  EXPECT_FALSE(rows[0].req_org_admin);
}

TEST_F(AuditRecorderTest, RowsCommitAndRollBackWithThePublishersTransaction) {
  auto failed = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(recorder_->Publish(Event("member-added")));
    return Fail(Error::Conflict("the change failed"));
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_TRUE(Rows("o-acme").empty());
  ASSERT_TRUE(store_
                  ->RunInTransaction(
                      [&]() -> Result<void> { return recorder_->Publish(Event("member-added")); })
                  .has_value());
  EXPECT_EQ(Rows("o-acme").size(), 1u);
}

TEST_F(AuditRecorderTest, IdsAreUniqueAndFollowRecordingOrderWithinASecond) {
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) ids.push_back(recorder_->ToRecord(Event("team-created")).id);
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

}  // namespace
}  // namespace statehouse::audit
