#include "engine_events/service.h"

#include <gtest/gtest.h>

#include "crypto/crypto.h"
#include "engine_events/handlers.h"
#include "engine_events/model.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::engine_events {
namespace {

using testing::FakeClock;

std::string Event(int64_t sequence, std::string payload = R"("stdoutEvent":{"message":"m","color":"raw"})") {
  return R"({"sequence":)" + std::to_string(sequence) + R"(,"timestamp":17,)" + payload + "}";
}

std::string Output(int64_t sequence, std::string_view op) {
  return Event(sequence, R"("resOutputsEvent":{"metadata":{"op":")" + std::string(op) +
                             R"(","urn":"u","type":"t","old":null,"new":null,"detailedDiff":null,"provider":""}})");
}

std::string Batch(const std::vector<std::string>& events) {
  std::string out = R"({"events":[)";
  for (size_t i = 0; i < events.size(); ++i) out += (i ? "," : "") + events[i];
  return out + "]}";
}

class EngineEventServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    user_ = testing::CreateTestUser(*store_, random_, clock_, "alice");
    storage::StackRecord stack = testing::CreateTestStack(*store_, random_, clock_, "alice", "proj",
                                                          "dev", user_.user.id, 0, "s-1");
    storage::UpdateRecord update;
    update.id = "u-1";
    update.stack_id = stack.id;
    update.kind = "update";
    update.created = clock_.NowSeconds();
    ASSERT_TRUE(store_->CreateUpdate(update));
    ASSERT_TRUE(store_->StartUpdate("u-1", "h", clock_.NowSeconds() + 300, clock_.NowSeconds()));
    access_.principal.user = user_.user;
    access_.stack = *store_->GetStack("alice", "proj", "dev");
    access_.update_id = "u-1";
    service_ = std::make_unique<EngineEventService>(*store_, clock_);
  }

  std::vector<int64_t> Sequences(const EventPage& page) {
    std::vector<int64_t> out;
    for (const auto& e : page.events) out.push_back(e.sequence);
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  crypto::OpenSslRandom random_;
  storage::StorePtr store_;
  testing::TestUser user_;
  auth::Access access_;
  std::unique_ptr<EngineEventService> service_;
};

TEST_F(EngineEventServiceTest, DuplicatesAreStoredOnceAndTheFirstBytesWin) {
  EXPECT_EQ(*service_->RecordBatch(access_, Batch({Event(0), Event(1), Event(1)})), 2);
  const std::string resent = R"({"sequence":1,"timestamp":99,"stdoutEvent":{"message":"other"}})";
  EXPECT_EQ(*service_->RecordBatch(access_, Batch({Event(0), resent})), 0);
  auto page = service_->List(access_, "u-1", std::nullopt);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[1].json, Event(1));
  EXPECT_EQ(page->events[1].type, "stdoutEvent");
  ASSERT_TRUE(service_->RecordBatch(
      access_, Batch({Event(2), Output(3, "create"), Event(4, R"("customEvent":{})")})));
  page = service_->List(access_, "u-1", std::nullopt);
  EXPECT_EQ(page->events[2].type, "stdoutEvent");
  EXPECT_EQ(page->events[4].type, "customEvent");
}

TEST_F(EngineEventServiceTest, RawBytesAreKeptAsSent) {
  const std::string spaced = "{ \"sequence\" : 0 ,\n \"timestamp\":1, \"diagnosticEvent\":{\"message\":\"\\u00e9\",\"severity\":\"error\"} }";
  ASSERT_TRUE(service_->RecordBatch(access_, "{\"events\": [ " + spaced + " ] }"));
  auto page = service_->List(access_, "u-1", std::nullopt);
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].json, spaced);
  EXPECT_TRUE(EventPageJson(*page).starts_with(
      "{\"events\":[{\"type\":\"diagnosticEvent\", \"sequence\" : 0 ,\n"));
}

TEST_F(EngineEventServiceTest, OutOfOrderBatchesReadBackInOrder) {
  ASSERT_TRUE(service_->RecordBatch(access_, Batch({Event(7), Event(5), Event(6)})));
  ASSERT_TRUE(service_->RecordBatch(access_, Batch({Event(2), Event(0)})));
  ASSERT_TRUE(service_->RecordBatch(access_, Batch({Event(4), Event(3), Event(1)})));
  auto page = service_->List(access_, "u-1", std::nullopt);
  EXPECT_EQ(Sequences(*page), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  ASSERT_TRUE(page->continuation_token);  // still running
  auto next = service_->List(access_, "u-1", *page->continuation_token);
  EXPECT_TRUE(next->events.empty());
  EXPECT_EQ(next->continuation_token, page->continuation_token);
}

TEST_F(EngineEventServiceTest, PagesUntilEndedAndComplete) {
  std::vector<std::string> events;
  for (int i = 0; i < EngineEventService::kPageSize + 10; ++i) events.push_back(Event(i));
  ASSERT_TRUE(service_->RecordBatch(access_, Batch(events)));
  ASSERT_TRUE(store_->FinishUpdate("u-1", storage::UpdateStatus::kRunning,
                                    storage::UpdateStatus::kSucceeded, clock_.NowSeconds()));
  auto first = service_->List(access_, "u-1", std::nullopt);
  ASSERT_EQ(first->events.size(), static_cast<size_t>(EngineEventService::kPageSize));
  ASSERT_TRUE(first->continuation_token);
  auto second = service_->List(access_, "u-1", *first->continuation_token);
  ASSERT_EQ(second->events.size(), 10u);
  EXPECT_EQ(second->events.front().sequence, EngineEventService::kPageSize);
  EXPECT_FALSE(second->continuation_token);
}

TEST_F(EngineEventServiceTest, RejectsMalformedBatchesAndTokens) {
  for (std::string body : {"", "[]", R"({"events":{}})", R"({"events":[1]})",
                           R"({"events":[{"timestamp":1,"stdoutEvent":{}}]})",
                           R"({"events":[{"sequence":-1,"stdoutEvent":{}}]})",
                           R"({"events":[{"sequence":1}]})"}) {
    auto r = service_->RecordBatch(access_, body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << body;
  }
  for (std::string token : {"x", "-1", "1a", "99999999999999999999"}) {
    auto r = service_->List(access_, "u-1", token);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(service_->List(access_, "nope", std::nullopt).error().code, ErrorCode::kNotFound);
}

TEST_F(EngineEventServiceTest, ResourceChangesPreferTheSummaryEvent) {
  ASSERT_TRUE(service_->RecordBatch(
      access_, Batch({Output(0, "create"), Output(1, "create"), Output(2, "same"),
                      Output(3, "create-replacement"), Output(4, "replace"), Output(4, "delete")})));
  auto counted = service_->ResourceChanges({"u-1", "u-2"});
  ASSERT_TRUE(counted);
  ASSERT_EQ(counted->size(), 1u);
  EXPECT_EQ(counted->at("u-1"),
            (std::map<std::string, int64_t>{{"create", 2}, {"replace", 1}, {"same", 1}}));
  ASSERT_TRUE(service_->RecordBatch(
      access_, Batch({Event(9, R"("summaryEvent":{"maybeCorrupt":false,"durationSeconds":1,"resourceChanges":{"create":3,"same":1},"PolicyPacks":null})")})));
  EXPECT_EQ(service_->ResourceChanges({"u-1"})->at("u-1"),
            (std::map<std::string, int64_t>{{"create", 3}, {"same", 1}}));
}

TEST_F(EngineEventServiceTest, StatusEventsShowOutputAndEndWithTheUpdate) {
  ASSERT_TRUE(service_->RecordBatch(
      access_, Batch({Event(0), Output(1, "create"),
                      Event(2, R"("diagnosticEvent":{"message":"bad","color":"raw","severity":"error"})")})));
  auto running = service_->StatusEvents(*store_->GetUpdate("u-1"), std::nullopt);
  ASSERT_TRUE(running);
  ASSERT_EQ(running->events.size(), 2u);
  EXPECT_FALSE(running->events[0].stderr_stream);
  EXPECT_EQ(running->events[1].text, "bad");
  EXPECT_TRUE(running->events[1].stderr_stream);
  EXPECT_EQ(running->continuation_token, "3");
  ASSERT_TRUE(store_->FinishUpdate("u-1", storage::UpdateStatus::kRunning,
                                    storage::UpdateStatus::kSucceeded, clock_.NowSeconds()));
  auto done = service_->StatusEvents(*store_->GetUpdate("u-1"), "3");
  EXPECT_TRUE(done->events.empty());
  EXPECT_FALSE(done->continuation_token);
}

}  // namespace
}  // namespace statehouse::engine_events
