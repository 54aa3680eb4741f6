// Conformance suite for storage::AuditStore. Uses only the abstract
// interface; every backend in ConformanceBackends() runs it unchanged.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "storage/conformance_fixture.h"

namespace statehouse::storage {
namespace {

class AuditStoreConformanceTest : public StoreConformanceTest {
 protected:
  static AuditEventRecord MakeEvent(const std::string& id, const std::string& org_id, int64_t time,
                                    const std::string& event = "stack-created",
                                    const std::string& user_id = "u-alice") {
    AuditEventRecord e;
    e.id = id;
    e.org_id = org_id;
    e.time = time;
    e.event = event;
    e.description = "Created stack \"p/" + id + "\"";
    e.source_ip = "203.0.113.7";
    e.user_id = user_id;
    e.user_login = user_id.empty() ? "" : user_id.substr(2);
    e.user_name = user_id.empty() ? "" : "Name of " + user_id.substr(2);
    return e;
  }

  std::vector<AuditEventRecord> List(AuditQuery query) {
    auto rows = store_->ListAuditEvents(query);
    EXPECT_TRUE(rows.has_value()) << ErrorText(rows);
    return rows ? *rows : std::vector<AuditEventRecord>();
  }

  static std::vector<std::string> Ids(const std::vector<AuditEventRecord>& rows) {
    std::vector<std::string> ids;
    for (const auto& row : rows) ids.push_back(row.id);
    return ids;
  }

  // Every row of `query`, fetched `page` at a time by keyset position.
  std::vector<AuditEventRecord> ListPaged(AuditQuery query, int page) {
    query.limit = page;
    std::vector<AuditEventRecord> all;
    for (int i = 0; i < 10'000; ++i) {
      auto rows = List(query);
      EXPECT_LE(static_cast<int>(rows.size()), page);
      all.insert(all.end(), rows.begin(), rows.end());
      if (static_cast<int>(rows.size()) < page) break;
      query.after = AuditQuery::Position{rows.back().time, rows.back().id};
    }
    return all;
  }

  // Appends `e`, failing the test on error.
  void Append(const AuditEventRecord& e) { SH_EXPECT_OK(store_->AppendAuditEvent(e)); }
};

TEST_P(AuditStoreConformanceTest, AppendedRowReadsBackFieldForField) {
  AuditEventRecord e = MakeEvent("e1", "o-acme", kT0 + 5, "auth-failure-stack-permission");
  e.description = "User \"bob\" was denied | \\ = caf\xC3\xA9 \xF0\x9F\x98\x80\nsecond line";
  e.source_ip = "2001:db8::1";
  e.token_id = "tok-1";
  e.token_name = "ci token";
  e.req_org_admin = true;
  e.req_stack_admin = false;
  e.auth_failure = true;
  Append(e);
  AuditEventRecord other = MakeEvent("e2", "o-acme", kT0 + 6, "user-login-failed", "");
  other.req_stack_admin = true;
  Append(other);

  AuditQuery query;
  query.org_id = "o-acme";
  auto rows = List(query);
  ASSERT_EQ(rows.size(), 2u);
  const AuditEventRecord& got = rows[1];
  EXPECT_EQ(got.id, "e1");
  EXPECT_EQ(got.org_id, "o-acme");
  EXPECT_EQ(got.time, kT0 + 5);
  EXPECT_EQ(got.event, "auth-failure-stack-permission");
  EXPECT_EQ(got.description, e.description);
  EXPECT_EQ(got.source_ip, "2001:db8::1");
  EXPECT_EQ(got.user_id, "u-alice");
  EXPECT_EQ(got.user_login, "alice");
  EXPECT_EQ(got.user_name, "Name of alice");
  EXPECT_EQ(got.token_id, "tok-1");
  EXPECT_EQ(got.token_name, "ci token");
  EXPECT_TRUE(got.req_org_admin);
  EXPECT_FALSE(got.req_stack_admin);
  EXPECT_TRUE(got.auth_failure);
  EXPECT_EQ(rows[0].id, "e2");
  EXPECT_EQ(rows[0].user_id, "");
  EXPECT_EQ(rows[0].user_login, "");
  EXPECT_FALSE(rows[0].req_org_admin);
  EXPECT_TRUE(rows[0].req_stack_admin);
  EXPECT_FALSE(rows[0].auth_failure);
}

TEST_P(AuditStoreConformanceTest, DuplicateIdIsAlreadyExistsAndKeepsTheFirstRow) {
  Append(MakeEvent("dup", "o-acme", kT0));
  AuditEventRecord again = MakeEvent("dup", "o-other", kT0 + 1, "team-created");
  SH_EXPECT_ERROR(store_->AppendAuditEvent(again), ErrorCode::kAlreadyExists);
  AuditQuery acme;
  acme.org_id = "o-acme";
  auto rows = List(acme);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].event, "stack-created");
  AuditQuery other;
  other.org_id = "o-other";
  EXPECT_TRUE(List(other).empty());
}

TEST_P(AuditStoreConformanceTest, NewestFirstByTimeThenIdAndOrgsAreSeparate) {
  Append(MakeEvent("b", "o-acme", kT0 + 1));
  Append(MakeEvent("a", "o-acme", kT0 + 2));
  Append(MakeEvent("c", "o-acme", kT0 + 1));
  Append(MakeEvent("z", "o-acme", kT0));
  Append(MakeEvent("x", "o-globex", kT0 + 1));
  AuditQuery query;
  query.org_id = "o-acme";
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"a", "c", "b", "z"}));
  query.org_id = "o-globex";
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"x"}));
  query.org_id = "o-nobody";
  EXPECT_TRUE(List(query).empty());
}

TEST_P(AuditStoreConformanceTest, LimitCapsTheRows) {
  for (int i = 0; i < 5; ++i) Append(MakeEvent("e" + std::to_string(i), "o-acme", kT0 + i));
  AuditQuery query;
  query.org_id = "o-acme";
  query.limit = 2;
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"e4", "e3"}));
  query.limit = 1;
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"e4"}));
  query.limit = 100;
  EXPECT_EQ(List(query).size(), 5u);
}

TEST_P(AuditStoreConformanceTest, KeysetPagingVisitsEqualSecondEventsExactlyOnce) {
  // 60 events over 4 seconds with random ids: most seconds hold many events.
  std::mt19937 rng(7);
  std::vector<AuditEventRecord> events;
  std::set<std::string> used;
  while (events.size() < 60) {
    std::string id = fmt::format("{:08x}", rng());
    if (!used.insert(id).second) continue;
    events.push_back(MakeEvent(id, "o-acme", kT0 + static_cast<int64_t>(rng() % 4)));
  }
  for (const auto& e : events) Append(e);
  Append(MakeEvent("other-org", "o-globex", kT0 + 1));

  std::vector<AuditEventRecord> expected = events;
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
    return a.time != b.time ? a.time > b.time : a.id > b.id;
  });
  AuditQuery query;
  query.org_id = "o-acme";
  for (int page : {1, 3, 7, 59, 60, 61}) {
    SCOPED_TRACE(page);
    EXPECT_EQ(Ids(ListPaged(query, page)), Ids(expected));
  }
}

TEST_P(AuditStoreConformanceTest, AfterPositionIsExclusiveOnTimeAndId) {
  Append(MakeEvent("a", "o-acme", kT0 + 1));
  Append(MakeEvent("b", "o-acme", kT0 + 1));
  Append(MakeEvent("c", "o-acme", kT0 + 1));
  Append(MakeEvent("d", "o-acme", kT0));
  Append(MakeEvent("e", "o-acme", kT0 + 2));
  AuditQuery query;
  query.org_id = "o-acme";
  query.after = AuditQuery::Position{kT0 + 1, "b"};
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"a", "d"}));
  // A position that is not a stored row still splits the order.
  query.after = AuditQuery::Position{kT0 + 1, "bb"};
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"b", "a", "d"}));
  // An empty id: only rows strictly before that second.
  query.after = AuditQuery::Position{kT0 + 1, ""};
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"d"}));
  query.after = AuditQuery::Position{kT0 - 1, "zzz"};
  EXPECT_TRUE(List(query).empty());
}

TEST_P(AuditStoreConformanceTest, NotAfterAndNotBeforeAreInclusiveBounds) {
  for (int i = 0; i < 10; ++i) Append(MakeEvent(fmt::format("e{}", i), "o-acme", kT0 + i));
  AuditQuery query;
  query.org_id = "o-acme";
  query.not_after = kT0 + 6;
  query.not_before = kT0 + 3;
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"e6", "e5", "e4", "e3"}));
  query.not_before.reset();
  EXPECT_EQ(List(query).size(), 7u);
  query.not_after.reset();
  query.not_before = kT0 + 9;
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"e9"}));
  query.not_before = kT0 + 10;
  EXPECT_TRUE(List(query).empty());
  query.not_before = kT0 + 4;
  query.not_after = kT0 + 3;  // empty range
  EXPECT_TRUE(List(query).empty());
}

TEST_P(AuditStoreConformanceTest, NotAfterAndAfterPositionTogetherUseTheTighterBound) {
  for (int i = 0; i < 6; ++i) {
    Append(MakeEvent(fmt::format("a{}", i), "o-acme", kT0 + i));
    Append(MakeEvent(fmt::format("b{}", i), "o-acme", kT0 + i));
  }
  AuditQuery query;
  query.org_id = "o-acme";
  query.not_after = kT0 + 4;
  query.after = AuditQuery::Position{kT0 + 2, "b2"};  // tighter than not_after
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"a2", "b1", "a1", "b0", "a0"}));
  query.not_after = kT0 + 1;  // tighter than the position
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"b1", "a1", "b0", "a0"}));
  query.not_after = kT0 + 2;  // same second: the position decides
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"a2", "b1", "a1", "b0", "a0"}));
  query.not_before = kT0 + 1;
  query.limit = 2;
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"a2", "b1"}));
}

TEST_P(AuditStoreConformanceTest, EventAndUserFiltersCombineWithPaging) {
  const std::vector<std::string> kinds = {"stack-created", "member-added", "team-created",
                                          "odd \"kind\", with, commas"};
  const std::vector<std::string> users = {"u-alice", "u-bob", ""};
  int n = 0;
  std::vector<AuditEventRecord> all;
  for (int second = 0; second < 5; ++second) {
    for (const auto& kind : kinds) {
      for (const auto& user : users) {
        all.push_back(MakeEvent(fmt::format("e{:03}", n++), "o-acme", kT0 + second, kind, user));
      }
    }
  }
  for (const auto& e : all) Append(e);
  auto expect = [&](const AuditQuery& query) {
    std::vector<std::string> ids;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {  // ids ascend with time here
      const bool kind_ok =
          query.events.empty() ||
          std::find(query.events.begin(), query.events.end(), it->event) != query.events.end();
      const bool user_ok = !query.user_id || *query.user_id == it->user_id;
      const bool time_ok = (!query.not_after || it->time <= *query.not_after) &&
                           (!query.not_before || it->time >= *query.not_before);
      if (kind_ok && user_ok && time_ok) ids.push_back(it->id);
    }
    return ids;
  };

  AuditQuery query;
  query.org_id = "o-acme";
  query.events = {"member-added", "odd \"kind\", with, commas"};
  EXPECT_EQ(Ids(ListPaged(query, 4)), expect(query));
  EXPECT_EQ(ListPaged(query, 4).size(), 30u);
  query.user_id = "u-bob";
  EXPECT_EQ(Ids(ListPaged(query, 3)), expect(query));
  EXPECT_EQ(ListPaged(query, 3).size(), 10u);
  query.not_after = kT0 + 3;
  query.not_before = kT0 + 1;
  EXPECT_EQ(Ids(ListPaged(query, 2)), expect(query));
  EXPECT_EQ(ListPaged(query, 2).size(), 6u);
  query.events.clear();
  EXPECT_EQ(Ids(ListPaged(query, 5)), expect(query));
  query.events = {"no-such-kind"};
  EXPECT_TRUE(List(query).empty());
  query = AuditQuery{};
  query.org_id = "o-acme";
  query.user_id = "u-nobody";
  EXPECT_TRUE(List(query).empty());
}

TEST_P(AuditStoreConformanceTest, AppendJoinsTheCallersTransaction) {
  auto failed = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->AppendAuditEvent(MakeEvent("rolled-back", "o-acme", kT0)));
    return Fail(Error::Conflict("the change failed"));
  });
  ASSERT_FALSE(failed.has_value());
  SH_ASSERT_OK(store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->AppendAuditEvent(MakeEvent("first", "o-acme", kT0)));
    SH_TRY(store_->AppendAuditEvent(MakeEvent("second", "o-acme", kT0 + 1)));
    AuditQuery inside;
    inside.org_id = "o-acme";
    SH_ASSIGN_OR_RETURN(auto seen, store_->ListAuditEvents(inside));
    EXPECT_EQ(seen.size(), 2u);  // the transaction sees its own rows
    return {};
  }));
  AuditQuery query;
  query.org_id = "o-acme";
  EXPECT_EQ(Ids(List(query)), (std::vector<std::string>{"second", "first"}));
}

TEST_P(AuditStoreConformanceTest, ConcurrentAppendsAreAllKept) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto appended = store_->AppendAuditEvent(
            MakeEvent(fmt::format("t{}-{:03}", t, i), "o-acme", kT0 + i % 3));
        if (!appended) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  AuditQuery query;
  query.org_id = "o-acme";
  auto all = ListPaged(query, 37);
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> ids;
  for (const auto& e : all) ids.insert(e.id);
  EXPECT_EQ(ids.size(), all.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditStoreConformanceTest,
                         ::testing::ValuesIn(ConformanceBackends()), FactoryName);

}  // namespace
}  // namespace statehouse::storage
