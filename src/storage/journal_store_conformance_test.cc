// Conformance suite for storage::JournalStore. Uses only the abstract
// interface; every backend in ConformanceBackends() runs it unchanged.

#include <gtest/gtest.h>

#include <limits>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "storage/conformance_fixture.h"

namespace statehouse::storage {
namespace {

class JournalStoreConformanceTest : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    OrgRecord org = AddUser("alice");
    SH_ASSERT_OK(store_->CreateStack(MakeStack("s-1", org, "proj", "dev"), std::nullopt));
    for (const char* id : {"up-1", "up-2"}) {
      UpdateRecord u;
      u.id = id;
      u.stack_id = "s-1";
      u.kind = "update";
      u.requested_by = "u-alice";
      u.requested_by_login = "alice";
      u.created = kT0;
      SH_ASSERT_OK(store_->CreateUpdate(u));
    }
  }

  static std::string Raw(int64_t seq, const std::string& tag = "") {
    return "{\"version\":1,\"kind\":0,\"sequenceID\":" + std::to_string(seq) +
           ",\"operationID\":1,\"removeOld\":null,\"removeNew\":null" +
           (tag.empty() ? "" : ",\"x\":\"" + tag + "\"") + "}";
  }

  std::vector<JournalEntryRecord> List(const std::string& update_id) {
    auto tail = store_->ReadJournalTail(update_id, 0);
    EXPECT_TRUE(tail.has_value()) << ErrorText(tail);
    return tail ? tail->entries : std::vector<JournalEntryRecord>();
  }

  static std::vector<int64_t> Sequences(const std::vector<JournalEntryRecord>& rows) {
    std::vector<int64_t> out;
    for (const auto& row : rows) out.push_back(row.sequence_id);
    return out;
  }
};

TEST_P(JournalStoreConformanceTest, StoresBytesAndListsInSequenceOrder) {
  const std::string e3 = Raw(3), e1 = Raw(1, "caf\xC3\xA9 \\u0000 \n"), e7 = Raw(7);
  std::vector<NewJournalEntry> batch{{3, e3}, {1, e1}, {7, e7}};
  auto stored = store_->AppendJournalEntries("up-1", batch);
  SH_ASSERT_OK(stored);
  EXPECT_EQ(*stored, 3);
  auto rows = List("up-1");
  EXPECT_EQ(Sequences(rows), (std::vector<int64_t>{1, 3, 7}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].raw, e1);
  EXPECT_EQ(rows[1].raw, e3);
  EXPECT_EQ(rows[2].raw, e7);
  EXPECT_TRUE(List("up-2").empty());
  auto figures = store_->ReadJournalTail("up-1", std::numeric_limits<int64_t>::max());
  SH_ASSERT_OK(figures);
  EXPECT_EQ(figures->count, 3);
  EXPECT_TRUE(figures->entries.empty());
}

TEST_P(JournalStoreConformanceTest, FirstWriteWinsAcrossAndWithinBatches) {
  const std::string a1 = Raw(1, "first"), a2 = Raw(2, "first");
  SH_ASSERT_OK(store_->AppendJournalEntries("up-1", std::vector<NewJournalEntry>{{1, a1}, {2, a2}}));
  // A re-sent batch stores nothing and is not an error.
  auto again = store_->AppendJournalEntries("up-1", std::vector<NewJournalEntry>{{1, a1}, {2, a2}});
  SH_ASSERT_OK(again);
  EXPECT_EQ(*again, 0);
  // Different bytes for a stored sequence are ignored; repeats inside a
  // batch keep the first.
  const std::string b2 = Raw(2, "second"), b3 = Raw(3, "first"), c3 = Raw(3, "second");
  auto mixed = store_->AppendJournalEntries(
      "up-1", std::vector<NewJournalEntry>{{2, b2}, {3, b3}, {3, c3}});
  SH_ASSERT_OK(mixed);
  EXPECT_EQ(*mixed, 1);
  auto rows = List("up-1");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].raw, a2);
  EXPECT_EQ(rows[2].raw, b3);
}

TEST_P(JournalStoreConformanceTest, UnknownUpdate) {
  const std::string e = Raw(1);
  SH_EXPECT_ERROR(store_->AppendJournalEntries("up-missing", std::vector<NewJournalEntry>{{1, e}}),
                  ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->AppendJournalEntries("up-missing", std::vector<NewJournalEntry>{}),
                  ErrorCode::kNotFound);
  EXPECT_TRUE(List("up-missing").empty());
  auto figures = store_->ReadJournalTail("up-missing", 0);
  SH_ASSERT_OK(figures);
  EXPECT_EQ(figures->count, 0);
  // An empty batch on a known update is fine.
  auto none = store_->AppendJournalEntries("up-1", std::vector<NewJournalEntry>{});
  SH_ASSERT_OK(none);
  EXPECT_EQ(*none, 0);
}

TEST_P(JournalStoreConformanceTest, BatchIsAtomicInsideARolledBackTransaction) {
  const std::string e1 = Raw(1), e2 = Raw(2);
  auto result = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->AppendJournalEntries("up-1", std::vector<NewJournalEntry>{{1, e1}, {2, e2}}));
    return Fail(Error::Conflict("roll back"));
  });
  EXPECT_FALSE(result.has_value());
  EXPECT_TRUE(List("up-1").empty());
}

TEST_P(JournalStoreConformanceTest, TailReadsEntriesAboveASequenceWithTheFiguresOfAll) {
  const std::string e1 = Raw(1), e2 = Raw(2, "two"), e5 = Raw(5), other = Raw(9);
  SH_ASSERT_OK(store_->AppendJournalEntries("up-1", std::vector<NewJournalEntry>{{5, e5}, {1, e1}, {2, e2}}));
  SH_ASSERT_OK(store_->AppendJournalEntries("up-2", std::vector<NewJournalEntry>{{9, other}}));
  auto all = store_->ReadJournalTail("up-1", 0);
  SH_ASSERT_OK(all);
  EXPECT_EQ(all->count, 3);
  EXPECT_EQ(all->max_sequence, 5);
  EXPECT_EQ(Sequences(all->entries), (std::vector<int64_t>{1, 2, 5}));
  EXPECT_EQ(all->entries[1].raw, e2);
  auto above = store_->ReadJournalTail("up-1", 2);
  SH_ASSERT_OK(above);
  EXPECT_EQ(above->count, 3);
  EXPECT_EQ(above->max_sequence, 5);
  EXPECT_EQ(Sequences(above->entries), (std::vector<int64_t>{5}));
  auto figures = store_->ReadJournalTail("up-1", INT64_MAX);
  SH_ASSERT_OK(figures);
  EXPECT_EQ(figures->count, 3);
  EXPECT_EQ(figures->max_sequence, 5);
  EXPECT_TRUE(figures->entries.empty());
  auto none = store_->ReadJournalTail("nope", 0);
  SH_ASSERT_OK(none);
  EXPECT_EQ(none->count, 0);
  EXPECT_EQ(none->max_sequence, 0);
  EXPECT_TRUE(none->entries.empty());
}

TEST_P(JournalStoreConformanceTest, DeleteDropsOnlyThatUpdate) {
  const std::string e1 = Raw(1), e2 = Raw(2);
  SH_ASSERT_OK(store_->AppendJournalEntries("up-1", std::vector<NewJournalEntry>{{1, e1}, {2, e2}}));
  SH_ASSERT_OK(store_->AppendJournalEntries("up-2", std::vector<NewJournalEntry>{{1, e1}}));
  auto deleted = store_->DeleteJournalEntries("up-1");
  SH_ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, 2);
  EXPECT_TRUE(List("up-1").empty());
  EXPECT_EQ(List("up-2").size(), 1u);
  auto nothing = store_->DeleteJournalEntries("up-missing");
  SH_ASSERT_OK(nothing);
  EXPECT_EQ(*nothing, 0);
}

TEST_P(JournalStoreConformanceTest, ConcurrentOverlappingBatchesStoreEachSequenceOnce) {
  constexpr int kThreads = 4;
  constexpr int kPerBatch = 20;
  std::vector<std::string> raws;
  for (int i = 1; i <= kPerBatch + kThreads * 5; ++i) raws.push_back(Raw(i));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<NewJournalEntry> batch;
      for (int i = t * 5; i < t * 5 + kPerBatch; ++i) batch.push_back({i + 1, raws[i]});
      if (!store_->AppendJournalEntries("up-1", batch)) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto rows = List("up-1");
  ASSERT_EQ(rows.size(), static_cast<size_t>((kThreads - 1) * 5 + kPerBatch));
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].sequence_id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(rows[i].raw, raws[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, JournalStoreConformanceTest,
                         ::testing::ValuesIn(ConformanceBackends()), FactoryName);

}  // namespace
}  // namespace statehouse::storage
