#include "updates/service.h"

#include <gtest/gtest.h>

#include <limits>

#include "crypto/crypto.h"
#include "test/fakes/failing_sink.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/journal_example.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"

namespace statehouse::updates {
namespace {

// ReadJournalTail after every entry: only the figures.
constexpr int64_t kFiguresOnly = std::numeric_limits<int64_t>::max();

using storage::UpdateStatus;
using testing::FakeClock;

std::string Text(int tag, int resources = 3) {
  std::string out = R"({"version":3,"deployment":{"manifest":{"time":"t)" + std::to_string(tag) +
                    R"("},"metadata":{},"resources":[)";
  for (int i = 0; i < resources; ++i) {
    if (i > 0) out += ",";
    out += R"({"urn":"u)" + std::to_string(i) + R"(","custom":true})";
  }
  return out + "]}}";
}

// A delta replacing all of `before` with `after` in two edits (head and tail
// split at the middle), which exercises offsets without a diff algorithm.
std::string WholeDelta(const std::string& before, const std::string& after) {
  const size_t mid = before.size() / 2;
  auto escape = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  };
  return R"([{"Span":{"start":{"offset":0},"end":{"offset":)" + std::to_string(mid) +
         R"(}},"NewText":")" + escape(after) + R"("},{"Span":{"start":{"offset":)" +
         std::to_string(mid) + R"(},"end":{"offset":)" + std::to_string(before.size()) +
         R"(}},"NewText":""}])";
}

std::string DeltaBody(const std::string& before, const std::string& after, int64_t seq,
                      std::string hash = "") {
  if (hash.empty()) hash = crypto::Sha256Hex(after);
  return R"({"version":3,"checkpointHash":")" + hash + R"(","sequenceNumber":)" +
         std::to_string(seq) + R"(,"deploymentDelta":)" + WholeDelta(before, after) + "}";
}

std::string VerbatimBody(const std::string& text, int64_t seq) {
  return R"({"version":3,"untypedDeployment":)" + text + R"(,"sequenceNumber":)" +
         std::to_string(seq) + "}";
}

class UpdateServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    user_ = testing::CreateTestUser(*store_, random_, clock_, "alice");
    testing::CreateTestStack(*store_, random_, clock_, "alice", "proj", "dev", user_.user.id, 0,
                             "s-1");
    authorizer_ = std::make_unique<auth::Authorizer>(*store_, clock_);
    service_ = std::make_unique<UpdateService>(*store_, clock_, random_, events_,
                                               CompactionPolicy{2, 10.0});
  }

  auth::Access StackAccess() {
    auto access = authorizer_->Authorize(*authorizer_->Authenticate("token " + user_.token),
                                         auth::Need::kStackWrite, "alice", "proj", "dev");
    EXPECT_TRUE(access) << access.error().message;
    return *access;
  }

  Result<auth::Access> LeaseAccess(const std::string& id, const std::string& token) {
    return authorizer_->AuthorizeUpdateToken("update-token " + token, "alice", "proj", "dev", id);
  }

  std::pair<std::string, LeaseGrant> Begin(bool dry_run = false) {
    CreateUpdateInput input;
    input.kind = "update";
    input.dry_run = dry_run;
    auto id = service_->Create(StackAccess(), input);
    EXPECT_TRUE(id);
    auto grant = service_->Start(StackAccess(), *id, std::nullopt);
    EXPECT_TRUE(grant) << grant.error().message;
    return {*id, *grant};
  }

  testing::TempDir dir_;
  FakeClock clock_;
  crypto::OpenSslRandom random_;
  events::RecordingSink recorded_;
  testing::SwitchableSink events_{recorded_};
  storage::StorePtr store_;
  testing::TestUser user_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<UpdateService> service_;
};

TEST_F(UpdateServiceTest, AnUnrenewedLeaseExpiresAndFreesTheStack) {
  auto [id, grant] = Begin();
  EXPECT_EQ(grant.version, 1);
  ASSERT_TRUE(LeaseAccess(id, grant.token));
  CreateUpdateInput input;
  input.kind = "update";
  auto second = service_->Create(StackAccess(), input);
  ASSERT_TRUE(second);
  auto busy = service_->Start(StackAccess(), *second, std::nullopt);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kConflict);

  clock_.Advance(UpdateService::kLeaseSeconds);
  auto expired = LeaseAccess(id, grant.token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kPermissionDenied);
  auto status = service_->Get(StackAccess(), id);
  EXPECT_EQ(StatusText(*status, clock_.NowSeconds()), "failed");
  EXPECT_FALSE(*service_->RunningOperation(*StackAccess().stack));

  auto started = service_->Start(StackAccess(), *second, std::nullopt);
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(started->version, 2);
  EXPECT_EQ(store_->GetUpdate(id)->status, UpdateStatus::kFailed);
  EXPECT_EQ(StackAccess().stack->version, 1);
}

TEST_F(UpdateServiceTest, RenewalExtendsTheLeaseAndKeepsThePreviousTokenUntilTheNext) {
  auto [id, grant] = Begin();
  clock_.Advance(200);
  auto renewed = service_->RenewLease(*LeaseAccess(id, grant.token), 300);
  ASSERT_TRUE(renewed);
  EXPECT_NE(renewed->token, grant.token);
  clock_.Advance(200);  // past the first lease, inside the renewed one
  EXPECT_TRUE(LeaseAccess(id, renewed->token));
  EXPECT_TRUE(LeaseAccess(id, grant.token));
  ASSERT_TRUE(service_->RenewLease(*LeaseAccess(id, renewed->token), 300));
  EXPECT_FALSE(LeaseAccess(id, grant.token));
  auto bad = service_->RenewLease(*LeaseAccess(id, renewed->token), 301);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(UpdateServiceTest, SequenceNumberRules) {
  auto [id, grant] = Begin();
  auto access = *LeaseAccess(id, grant.token);
  // Delta without a baseline → conflict.
  EXPECT_EQ(service_->PatchDelta(access, DeltaBody(Text(0), Text(1), 1)).error().code,
            ErrorCode::kConflict);
  ASSERT_TRUE(service_->PatchVerbatim(access, VerbatimBody(Text(1), 1)));
  ASSERT_TRUE(service_->PatchDelta(access, DeltaBody(Text(1), Text(2), 2)));
  // Exact retry → accepted, no effect.
  ASSERT_TRUE(service_->PatchDelta(access, DeltaBody(Text(1), Text(2), 2)));
  EXPECT_EQ(*store_->GetCheckpoint(id).value(), Text(2));
  // Same sequence, other content; older sequence → conflict.
  EXPECT_EQ(service_->PatchDelta(access, DeltaBody(Text(2), Text(3), 2)).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(service_->PatchVerbatim(access, VerbatimBody(Text(3), 1)).error().code,
            ErrorCode::kConflict);
  // Hash mismatch → 400; then the verbatim fallback with the same number.
  EXPECT_EQ(service_->PatchDelta(access, DeltaBody(Text(2), Text(3), 3, std::string(64, 'a')))
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(service_->PatchVerbatim(access, VerbatimBody(Text(3), 3)));
  EXPECT_EQ(*store_->GetCurrentState("s-1").value(), Text(3));
  // A delta producing something that is not a deployment → 400.
  const std::string junk = R"({"version":3})";
  EXPECT_EQ(service_->PatchDelta(access, DeltaBody(Text(3), junk, 4)).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(UpdateServiceTest, CompactionKeepsTheExactBytes) {
  auto [id, grant] = Begin();
  auto access = *LeaseAccess(id, grant.token);
  ASSERT_TRUE(service_->PatchVerbatim(access, VerbatimBody(Text(0, 10), 1)));
  ASSERT_TRUE(service_->PatchDelta(access, DeltaBody(Text(0, 10), Text(1, 12), 2)));
  std::string previous = Text(1, 12);
  EXPECT_EQ(*store_->GetCheckpoint(id).value(), previous);
  for (int seq = 3; seq <= 9; ++seq) {
    const std::string next = Text(seq, 10 + seq);
    auto applied = service_->PatchDelta(access, DeltaBody(previous, next, seq));
    ASSERT_TRUE(applied) << applied.error().message;
    previous = next;
    EXPECT_EQ(*store_->GetCheckpoint(id).value(), previous) << seq;
    EXPECT_EQ(*store_->GetCurrentState("s-1").value(), previous) << seq;
  }
  ASSERT_TRUE(service_->Complete(access, "succeeded"));
  EXPECT_EQ(*service_->Export(StackAccess(), 1), previous);
  EXPECT_EQ(StackAccess().stack->resource_count, 19);
}

// The service folds the log into a new base once it holds more deltas than
// the policy allows (here 2), in the background after acknowledging.
TEST_F(UpdateServiceTest, DeltasAreAppendedUntilThePolicyCompactsTheLog) {
  auto [id, grant] = Begin();
  auto access = *LeaseAccess(id, grant.token);
  ASSERT_TRUE(service_->PatchVerbatim(access, VerbatimBody(Text(0), 1)));
  EXPECT_EQ(store_->GetUpdate(id)->base_size, static_cast<int64_t>(Text(0).size()));
  ASSERT_TRUE(service_->PatchDelta(access, DeltaBody(Text(0), Text(1), 2)));
  ASSERT_TRUE(service_->PatchDelta(access, DeltaBody(Text(1), Text(2), 3)));
  auto logged = store_->GetUpdate(id);
  EXPECT_EQ(logged->delta_count, 2);
  EXPECT_EQ(logged->delta_bytes, static_cast<int64_t>(WholeDelta(Text(0), Text(1)).size() +
                                                      WholeDelta(Text(1), Text(2)).size()));
  EXPECT_EQ(logged->base_size, static_cast<int64_t>(Text(0).size()));
  // A third delta exceeds the log: it is appended and acknowledged, then
  // the full text becomes the base.
  ASSERT_TRUE(service_->PatchDelta(access, DeltaBody(Text(2), Text(3), 4)));
  EXPECT_EQ(*store_->GetCheckpoint(id).value(), Text(3));
  service_->FlushCompactions();
  auto compacted = store_->GetUpdate(id);
  EXPECT_EQ(compacted->delta_count, 0);
  EXPECT_EQ(compacted->delta_bytes, 0);
  EXPECT_EQ(compacted->base_size, static_cast<int64_t>(Text(3).size()));
  EXPECT_EQ(compacted->last_sequence, 4);
  EXPECT_EQ(*store_->GetCheckpoint(id).value(), Text(3));
  ASSERT_TRUE(service_->PatchDelta(access, DeltaBody(Text(3), Text(4), 5)));
  EXPECT_EQ(store_->GetUpdate(id)->delta_count, 1);
  EXPECT_EQ(*store_->GetCurrentState("s-1").value(), Text(4));
}

// Which endings are allowed (lifecycle.h), as the store no longer decides:
// ending again the same way is a no-op, any other way a conflict; a
// not-started update may only be cancelled, and then never starts.
TEST_F(UpdateServiceTest, EndingsFollowTheLifecycle) {
  auto [id, grant] = Begin(/*dry_run=*/true);
  auto lease = *LeaseAccess(id, grant.token);
  ASSERT_TRUE(service_->Complete(lease, "succeeded"));
  ASSERT_TRUE(service_->Complete(lease, "succeeded"));
  EXPECT_EQ(store_->GetUpdate(id)->status, UpdateStatus::kSucceeded);
  EXPECT_EQ(service_->Complete(lease, "failed").error().code, ErrorCode::kConflict);
  EXPECT_EQ(service_->Cancel(StackAccess(), id).error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->GetUpdate(id)->status, UpdateStatus::kSucceeded);
  auto again = service_->Start(StackAccess(), id, std::nullopt);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message,
            "Conflict: The update has already been started (alice/proj/dev)");

  CreateUpdateInput input;
  input.kind = "update";
  auto idle = service_->Create(StackAccess(), input);
  ASSERT_TRUE(idle);
  ASSERT_TRUE(service_->Cancel(StackAccess(), *idle));
  ASSERT_TRUE(service_->Cancel(StackAccess(), *idle));
  EXPECT_EQ(store_->GetUpdate(*idle)->status, UpdateStatus::kCancelled);
  EXPECT_EQ(service_->Start(StackAccess(), *idle, std::nullopt).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(StackAccess().stack->version, 0);  // neither update made a version
}

TEST_F(UpdateServiceTest, DryRunsTakeNoCheckpointsAndLeaveNoHistory) {
  auto [id, grant] = Begin(/*dry_run=*/true);
  EXPECT_EQ(grant.version, 0);
  auto access = *LeaseAccess(id, grant.token);
  EXPECT_EQ(service_->PatchVerbatim(access, VerbatimBody(Text(0), 1)).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(service_->Complete(access, "succeeded"));
  ASSERT_TRUE(service_->Complete(access, "succeeded"));
  EXPECT_TRUE(service_->History(StackAccess(), 0, 10)->updates.empty());
  EXPECT_EQ(service_->HistoryEntry(StackAccess(), std::nullopt).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*service_->Export(StackAccess(), std::nullopt), kEmptyDeployment);
}

TEST_F(UpdateServiceTest, HistoryPagesNewestFirst) {
  for (int i = 0; i < 3; ++i) {
    auto [id, grant] = Begin();
    ASSERT_TRUE(service_->Complete(*LeaseAccess(id, grant.token), "succeeded"));
  }
  auto all = service_->History(StackAccess(), 0, 0);
  ASSERT_EQ(all->updates.size(), 3u);
  EXPECT_EQ(all->updates[0].version, 3);
  auto second = service_->History(StackAccess(), 2, 2);
  ASSERT_EQ(second->updates.size(), 1u);
  EXPECT_EQ(second->updates[0].version, 1);
  EXPECT_EQ(second->total, 3);
  EXPECT_EQ(service_->History(StackAccess(), -1, 2).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(UpdateServiceTest, PreviewsAreThoseOfTheLatestVersionInStartOrder) {
  auto [early, early_grant] = Begin(/*dry_run=*/true);
  ASSERT_TRUE(service_->Complete(*LeaseAccess(early, early_grant.token), "succeeded"));
  auto [update, update_grant] = Begin();
  ASSERT_TRUE(service_->Complete(*LeaseAccess(update, update_grant.token), "succeeded"));
  std::vector<std::string> previews;
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(1);
    auto [id, grant] = Begin(/*dry_run=*/true);
    ASSERT_TRUE(service_->Complete(*LeaseAccess(id, grant.token), "succeeded"));
    previews.push_back(id);
  }

  auto all = service_->Previews(StackAccess(), std::nullopt, true, 0, 0);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->updates.size(), 3u);
  EXPECT_EQ(all->updates[0].id, previews[0]);
  EXPECT_EQ(all->updates[2].id, previews[2]);
  EXPECT_EQ(all->items_per_page, 3);
  EXPECT_EQ(all->total, 3);
  auto newest = service_->Previews(StackAccess(), std::nullopt, false, 1, 1);
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->updates.size(), 1u);
  EXPECT_EQ(newest->updates[0].id, previews[2]);
  EXPECT_EQ(newest->items_per_page, 1);
  EXPECT_EQ(newest->total, 3);
  auto second_page = service_->Previews(StackAccess(), std::nullopt, true, 2, 2);
  ASSERT_TRUE(second_page);
  ASSERT_EQ(second_page->updates.size(), 1u);
  EXPECT_EQ(second_page->updates[0].id, previews[2]);

  auto at_zero = service_->Previews(StackAccess(), 0, true, 0, 0);
  ASSERT_TRUE(at_zero);
  ASSERT_EQ(at_zero->updates.size(), 1u);
  EXPECT_EQ(at_zero->updates[0].id, early);
  EXPECT_EQ(service_->Previews(StackAccess(), 2, true, 0, 0).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Previews(StackAccess(), -1, true, 0, 0).error().code, ErrorCode::kNotFound);

  const std::vector<std::pair<int64_t, int64_t>> invalid = {{-1, 0}, {0, 1}, {1, 0}, {1, -1}};
  for (auto [page, page_size] : invalid) {
    auto bad = service_->Previews(StackAccess(), std::nullopt, true, page, page_size);
    ASSERT_FALSE(bad) << page << "/" << page_size;
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  }
}

// The events of `kind` published so far.
std::vector<events::DomainEvent> OfKind(const std::vector<events::DomainEvent>& all,
                                        std::string_view kind) {
  std::vector<events::DomainEvent> out;
  for (const auto& e : all) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

TEST_F(UpdateServiceTest, LifecyclePublishesStartedCompletedAndCanceled) {
  auto [id, grant] = Begin();
  auto lease = *LeaseAccess(id, grant.token);
  const std::string summary_json =
      R"({"sequence":7,"timestamp":1,"summaryEvent":{"resourceChanges":{"create":2,"same":1}}})";
  storage::NewEngineEvent summary;
  summary.sequence = 7;
  summary.timestamp = 1;
  summary.type = "summaryEvent";
  summary.json = summary_json;
  ASSERT_TRUE(store_->AppendEngineEvents(id, std::span(&summary, 1)));
  ASSERT_TRUE(service_->Complete(lease, "succeeded"));
  ASSERT_TRUE(service_->Complete(lease, "succeeded"));  // a repeat publishes nothing

  auto [preview, preview_grant] = Begin(/*dry_run=*/true);
  ASSERT_TRUE(service_->Complete(*LeaseAccess(preview, preview_grant.token), "failed"));

  CreateUpdateInput refresh;
  refresh.kind = "refresh";
  auto canceled = service_->Create(StackAccess(), refresh);
  ASSERT_TRUE(canceled);
  ASSERT_TRUE(service_->Cancel(StackAccess(), *canceled));
  ASSERT_TRUE(service_->Cancel(StackAccess(), *canceled));  // already cancelled: nothing

  auto all = recorded_.Events();
  ASSERT_EQ(all.size(), 5u);
  for (const auto& e : all) {
    EXPECT_EQ(e.org_name, "alice");
    EXPECT_EQ(e.stack_id, "s-1");
    EXPECT_EQ(e.target, "proj/dev");
    EXPECT_EQ(e.actor.login, "alice");
  }
  EXPECT_EQ(all[0].kind, "stack-update-started");
  EXPECT_EQ(all[0].fields,
            (std::map<std::string, std::string>{
                {"updateID", id}, {"kind", "update"}, {"dryRun", "false"}, {"version", "1"}}));
  EXPECT_EQ(all[1].kind, "stack-update-completed");
  EXPECT_EQ(all[1].fields,
            (std::map<std::string, std::string>{{"updateID", id},
                                                {"kind", "update"},
                                                {"dryRun", "false"},
                                                {"version", "1"},
                                                {"result", "succeeded"},
                                                {"resourceChanges", R"({"create":2,"same":1})"}}));
  EXPECT_EQ(all[2].kind, "stack-update-started");
  EXPECT_EQ(all[2].fields.at("dryRun"), "true");
  EXPECT_EQ(all[3].kind, "stack-update-completed");
  EXPECT_EQ(all[3].fields.at("updateID"), preview);
  EXPECT_EQ(all[3].fields.at("result"), "failed");
  EXPECT_EQ(all[3].fields.at("dryRun"), "true");
  EXPECT_FALSE(all[3].fields.contains("resourceChanges"));
  EXPECT_EQ(all[4].kind, "stack-update-canceled");
  EXPECT_EQ(all[4].fields.at("updateID"), *canceled);
  EXPECT_EQ(all[4].fields.at("kind"), "refresh");
}

TEST_F(UpdateServiceTest, CompletingAsCancelledPublishesCanceled) {
  auto [id, grant] = Begin();
  ASSERT_TRUE(service_->Complete(*LeaseAccess(id, grant.token), "cancelled"));
  auto canceled = OfKind(recorded_.Events(), "stack-update-canceled");
  ASSERT_EQ(canceled.size(), 1u);
  EXPECT_EQ(canceled[0].fields.at("updateID"), id);
  EXPECT_TRUE(OfKind(recorded_.Events(), "stack-update-completed").empty());
}

TEST_F(UpdateServiceTest, ImportAndExportPublishTheirEvents) {
  auto id = service_->Import(StackAccess(), Text(1));
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(service_->Export(StackAccess(), std::nullopt));
  ASSERT_TRUE(service_->Export(StackAccess(), 1));
  EXPECT_FALSE(service_->Export(StackAccess(), 2));  // refused: no event

  auto all = recorded_.Events();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].kind, "stack-update-started");
  EXPECT_EQ(all[0].fields.at("kind"), "import");
  EXPECT_EQ(all[0].fields.at("updateID"), *id);
  EXPECT_EQ(all[1].kind, "stack-update-completed");
  EXPECT_EQ(all[1].fields.at("kind"), "import");
  EXPECT_EQ(all[1].fields.at("result"), "succeeded");
  EXPECT_EQ(all[1].fields.at("version"), "1");
  EXPECT_EQ(all[2].kind, "stack-imported");
  EXPECT_EQ(all[2].fields.at("version"), "1");
  EXPECT_EQ(all[2].target, "proj/dev");
  EXPECT_EQ(all[3].kind, "stack-exported");
  EXPECT_EQ(all[3].fields.at("version"), "latest");
  EXPECT_EQ(all[3].stack_id, "s-1");
  EXPECT_EQ(all[4].kind, "stack-exported");
  EXPECT_EQ(all[4].fields.at("version"), "1");
}

TEST_F(UpdateServiceTest, AFailingEventSinkRollsTheChangeBack) {
  CreateUpdateInput input;
  input.kind = "update";
  auto id = service_->Create(StackAccess(), input);
  ASSERT_TRUE(id);
  events_.SetFailing(true);
  auto start = service_->Start(StackAccess(), *id, std::map<std::string, std::string>{{"a", "1"}});
  ASSERT_FALSE(start);
  EXPECT_EQ(start.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store_->GetUpdate(*id)->status, UpdateStatus::kNotStarted);
  EXPECT_TRUE(StackAccess().stack->tags.empty());

  events_.SetFailing(false);
  auto grant = service_->Start(StackAccess(), *id, std::nullopt);
  ASSERT_TRUE(grant);
  auto lease = *LeaseAccess(*id, grant->token);
  events_.SetFailing(true);
  EXPECT_FALSE(service_->Complete(lease, "succeeded"));
  EXPECT_FALSE(service_->Cancel(StackAccess(), *id));
  EXPECT_EQ(store_->GetUpdate(*id)->status, UpdateStatus::kRunning);
  EXPECT_FALSE(service_->Export(StackAccess(), std::nullopt));
  events_.SetFailing(false);
  ASSERT_TRUE(service_->Complete(lease, "succeeded"));

  events_.SetFailing(true);
  EXPECT_FALSE(service_->Import(StackAccess(), Text(5)));
  EXPECT_EQ(StackAccess().stack->version, 1);
  EXPECT_EQ(service_->History(StackAccess(), 0, 0)->updates.size(), 1u);
}

// ---------------------------------------------------------------------------
// Journaling (shared/spec/journaling.md §9.1 entries).

namespace jx = testing::journal_example;

TEST_F(UpdateServiceTest, JournalingIsOfferedOnlyWhenAskedForAndNotToPreviews) {
  auto start = [&](bool dry_run, int64_t asked) {
    CreateUpdateInput input;
    input.kind = "update";
    input.dry_run = dry_run;
    auto id = service_->Create(StackAccess(), input);
    EXPECT_TRUE(id);
    auto grant = service_->Start(StackAccess(), *id, std::nullopt, asked);
    EXPECT_TRUE(grant) << grant.error().message;
    auto lease = LeaseAccess(*id, grant->token);
    EXPECT_TRUE(service_->Complete(*lease, "succeeded"));
    return grant->journal_version;
  };
  EXPECT_FALSE(service_->journaling());  // off unless the app turns it on
  EXPECT_EQ(start(false, 1), 0);
  service_->SetJournaling(true);
  EXPECT_EQ(start(false, 1), 1);
  EXPECT_EQ(start(false, 2), 1);
  EXPECT_EQ(start(false, 0), 0);
  EXPECT_EQ(start(true, 1), 0);
}

TEST_F(UpdateServiceTest, JournaledUpdateExportsItsReplayAndEndsWithIt) {
  auto [id, grant] = Begin();
  auto lease = LeaseAccess(id, grant.token);
  ASSERT_TRUE(lease);
  for (auto batch : {jx::Batch({1, 2}), jx::Batch({3, 4}), jx::Batch({5}), jx::Batch({6})}) {
    auto patched = service_->PatchJournalEntries(*lease, batch);
    ASSERT_TRUE(patched) << patched.error().message;
  }
  auto mid = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(mid) << mid.error().message;
  EXPECT_EQ(jx::Mismatch(*mid, jx::MidDeployment()), "");
  // The two last entries out of order, then the same batch again (a retry).
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({8, 7})));
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({8, 7})));
  ASSERT_TRUE(service_->Complete(*lease, "succeeded"));

  auto latest = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(latest);
  EXPECT_EQ(jx::Mismatch(*latest, jx::FinalDeployment()), "");
  auto v1 = service_->Export(StackAccess(), 1);
  ASSERT_TRUE(v1);
  EXPECT_EQ(*v1, *latest);
  auto entry = service_->HistoryEntry(StackAccess(), 1);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->status, UpdateStatus::kSucceeded);
  EXPECT_TRUE(entry->has_checkpoint);
  EXPECT_EQ(entry->resource_count, 3);
  // Finished: no more entries.
  auto late = service_->PatchJournalEntries(*lease, jx::Batch({8}));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);

  // The next update starts from the final deployment.
  auto [next, next_grant] = Begin();
  auto next_lease = LeaseAccess(next, next_grant.token);
  ASSERT_TRUE(next_lease);
  ASSERT_TRUE(service_->PatchJournalEntries(
      *next_lease, R"({"entries":[{"version":1,"kind":1,"sequenceID":1,"operationID":1,)"
                   R"("removeOld":2,"removeNew":null}]})"));
  auto after_delete = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(after_delete);
  EXPECT_EQ(jx::Mismatch(*after_delete, R"({"secrets_providers":)" + jx::kSecrets +
                                            R"(,"resources":[)" + jx::kStackOut + "," +
                                            jx::kProvider + R"(],"metadata":{}})"),
            "");
}

TEST_F(UpdateServiceTest, CancelledJournaledUpdateKeepsItsPendingOperations) {
  auto [id, grant] = Begin();
  auto lease = LeaseAccess(id, grant.token);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({1, 2, 3, 4, 5, 6})));
  ASSERT_TRUE(service_->Cancel(StackAccess(), id));
  auto latest = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(latest);
  EXPECT_EQ(jx::Mismatch(*latest, jx::MidDeployment()), "");
}

TEST_F(UpdateServiceTest, UpdateWithoutJournalEntriesKeepsItsBase) {
  auto [id, grant] = Begin();
  auto lease = LeaseAccess(id, grant.token);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, R"({"entries":[]})"));
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, R"({})"));
  ASSERT_TRUE(service_->Complete(*lease, "succeeded"));
  auto latest = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(latest);
  EXPECT_EQ(*latest, kEmptyDeployment);
}

TEST_F(UpdateServiceTest, LapsedJournaledUpdateIsFinalisedWhenTheNextOneStarts) {
  auto [id, grant] = Begin();
  auto lease = LeaseAccess(id, grant.token);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({1, 2, 3, 4, 5, 6})));
  clock_.Advance(UpdateService::kLeaseSeconds);  // the CLI died
  auto [next, next_grant] = Begin();
  EXPECT_EQ(next_grant.version, 2);
  auto status = service_->Get(StackAccess(), id);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, UpdateStatus::kFailed);
  // The stack kept what the lapsed update had done, as its version 1.
  auto latest = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(latest);
  EXPECT_EQ(jx::Mismatch(*latest, jx::MidDeployment()), "");
  auto v1 = service_->Export(StackAccess(), 1);
  ASSERT_TRUE(v1);
  EXPECT_EQ(*v1, *latest);
}

TEST_F(UpdateServiceTest, JournalEntriesAreRejectedWhereTheyDoNotBelong) {
  auto [id, grant] = Begin();
  auto lease = LeaseAccess(id, grant.token);
  ASSERT_TRUE(lease);
  for (std::string_view bad :
       {std::string_view("not json"), std::string_view(R"({"entries":{}})"),
        std::string_view(R"({"entries":[{"version":2,"kind":0,"sequenceID":1,"operationID":1}]})"),
        std::string_view(R"({"entries":[{"version":1,"kind":0,"sequenceID":0,"operationID":1}]})"),
        std::string_view(R"({"entries":[{"version":1,"kind":0,"operationID":1}]})")}) {
    auto rejected = service_->PatchJournalEntries(*lease, bad);
    ASSERT_FALSE(rejected) << bad;
    EXPECT_EQ(rejected.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  // Too many entries in one request: 413, so that the CLI halves the batch.
  std::string many = R"({"entries":[)";
  for (size_t i = 1; i <= UpdateService::kMaxJournalBatchEntries + 1; ++i) {
    if (i > 1) many += ",";
    many += jx::Entry(0, static_cast<int>(i), static_cast<int>(i), "null", "");
  }
  many += "]}";
  auto too_many = service_->PatchJournalEntries(*lease, many);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, ErrorCode::kPayloadTooLarge);
  // Nothing of the rejected requests was stored.
  auto stored = store_->ReadJournalTail(id, kFiguresOnly);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->count, 0);

  // A journaled update takes no checkpoints.
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({1})));
  auto checkpoint = service_->PatchVerbatim(*lease, VerbatimBody(Text(1), 1));
  ASSERT_FALSE(checkpoint);
  EXPECT_EQ(checkpoint.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(service_->Complete(*lease, "succeeded"));

  // A checkpointed update takes no journal entries.
  auto [other, other_grant] = Begin();
  auto other_lease = LeaseAccess(other, other_grant.token);
  ASSERT_TRUE(other_lease);
  ASSERT_TRUE(service_->PatchVerbatim(*other_lease, VerbatimBody(Text(1), 1)));
  auto journal = service_->PatchJournalEntries(*other_lease, jx::Batch({1}));
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().code, ErrorCode::kConflict);
}


// ---------------------------------------------------------------------------
// Journal folds (journal_folds.h) and compaction.

TEST_F(UpdateServiceTest, AFoldThatMissedAnotherReplicasBatchesIsNeverServed) {
  // Two replicas (two services, each with its own folds) on one store.
  UpdateService other(*store_, clock_, random_, events_, CompactionPolicy{2, 10.0});
  auto [id, grant] = Begin();
  auto lease = LeaseAccess(id, grant.token);
  ASSERT_TRUE(lease);
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({1, 2})));
  ASSERT_TRUE(service_->Export(StackAccess(), std::nullopt));  // builds this replica's fold
  EXPECT_EQ(service_->journal_folds().stats().rebuilds, 1u);
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({3, 4})));
  EXPECT_EQ(service_->journal_folds().stats().acknowledged, 1u);  // folded on acknowledgement
  // The other replica stores 5 and 6: this replica's fold is stale now.
  ASSERT_TRUE(other.PatchJournalEntries(*lease, jx::Batch({5})));
  ASSERT_TRUE(other.PatchJournalEntries(*lease, jx::Batch({6})));
  EXPECT_EQ(other.journal_folds().size(), 0u);  // acknowledgements create no fold
  auto mid = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(mid) << mid.error().message;
  EXPECT_EQ(jx::Mismatch(*mid, jx::MidDeployment()), "");
  auto stats = service_->journal_folds().stats();
  EXPECT_EQ(stats.catch_ups, 1u);  // folded just 5 and 6
  EXPECT_EQ(stats.rebuilds, 1u);
  // Current now: served as it is.
  auto again = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(again);
  EXPECT_EQ(jx::Mismatch(*again, jx::MidDeployment()), "");
  EXPECT_EQ(service_->journal_folds().stats().hits, 1u);
  EXPECT_EQ(jx::Mismatch(*other.Export(StackAccess(), std::nullopt), jx::MidDeployment()), "");

  // A batch the other replica stored first (a retry landing elsewhere) is not
  // folded from the request, and the fold still ends up current.
  ASSERT_TRUE(other.PatchJournalEntries(*lease, jx::Batch({7})));
  ASSERT_TRUE(service_->PatchJournalEntries(*lease, jx::Batch({7, 8})));
  EXPECT_EQ(service_->journal_folds().stats().acknowledged, 1u);
  ASSERT_TRUE(service_->Complete(*lease, "succeeded"));
  EXPECT_EQ(service_->journal_folds().size(), 0u);  // dropped with the update

  // Compacted: the entries are gone; export and history use the stored version.
  EXPECT_EQ(store_->ReadJournalTail(id, kFiguresOnly)->count, 0);
  auto latest = service_->Export(StackAccess(), std::nullopt);
  ASSERT_TRUE(latest);
  EXPECT_EQ(jx::Mismatch(*latest, jx::FinalDeployment()), "");
  EXPECT_EQ(*service_->Export(StackAccess(), 1), *latest);
  auto history = service_->History(StackAccess(), 0, 0);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->updates.size(), 1u);
  EXPECT_EQ(history->updates[0].resource_count, 3);
  EXPECT_EQ(jx::Mismatch(*other.Export(StackAccess(), std::nullopt), jx::FinalDeployment()), "");
}

TEST_F(UpdateServiceTest, CancelledAndLapsedJournaledUpdatesAreCompacted) {
  auto [id, grant] = Begin();
  ASSERT_TRUE(service_->PatchJournalEntries(*LeaseAccess(id, grant.token), jx::Batch({1, 2, 3})));
  ASSERT_TRUE(service_->Cancel(StackAccess(), id));
  EXPECT_EQ(store_->ReadJournalTail(id, kFiguresOnly)->count, 0);

  auto [lapsed, lapsed_grant] = Begin();
  ASSERT_TRUE(service_->PatchJournalEntries(*LeaseAccess(lapsed, lapsed_grant.token),
                                            jx::Batch({4, 5})));
  ASSERT_TRUE(service_->Export(StackAccess(), std::nullopt));
  EXPECT_EQ(service_->journal_folds().size(), 1u);
  clock_.Advance(UpdateService::kLeaseSeconds);
  auto [next, next_grant] = Begin();
  EXPECT_EQ(store_->ReadJournalTail(lapsed, kFiguresOnly)->count, 0);
  EXPECT_EQ(service_->journal_folds().size(), 0u);
  EXPECT_EQ(next_grant.version, 3);
  auto v2 = service_->Export(StackAccess(), 2);
  ASSERT_TRUE(v2);
  EXPECT_NE(v2->find(jx::kP), std::string::npos);  // the provider created by entry 5
}

TEST_F(UpdateServiceTest, FoldsAreEvictedWhenIdleOrOverTheCap) {
  // Three finished updates whose rows hold entries (appended straight to the store).
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto [id, grant] = Begin();
    ASSERT_TRUE(service_->Complete(*LeaseAccess(id, grant.token), "succeeded"));
    const auto raw = jx::Entries();
    std::vector<storage::NewJournalEntry> rows;
    for (int seq = 1; seq <= 3; ++seq) rows.push_back({seq, raw[static_cast<size_t>(seq - 1)]});
    ASSERT_TRUE(store_->AppendJournalEntries(id, rows));
    ids.push_back(id);
  }
  JournalFoldOptions options;
  options.max_folds = 2;
  options.idle_seconds = 60;
  JournalFolds folds(*store_, clock_, options);
  auto base = []() -> Result<std::string> { return std::string(kEmptyDeployment); };
  const journal::ManifestInfo manifest{"2026-12-03T00:00:00Z", "v3.260.0"};
  for (const auto& id : ids) {
    auto m = folds.Materialize(id, base, manifest);
    ASSERT_TRUE(m) << m.error().message;
    ASSERT_TRUE(*m);
    EXPECT_EQ((*m)->resource_count, 1);
  }
  EXPECT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds.stats().evictions, 1u);
  // An update without entries holds no fold and makes no room for one.
  auto [empty, empty_grant] = Begin();
  auto nothing = folds.Materialize(empty, base, manifest);
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(*nothing);
  EXPECT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds.stats().evictions, 1u);
  ASSERT_TRUE(service_->Complete(*LeaseAccess(empty, empty_grant.token), "succeeded"));
  // The evicted one is rebuilt when read again; nothing stale.
  ASSERT_TRUE(folds.Materialize(ids[0], base, manifest));
  EXPECT_EQ(folds.stats().rebuilds, 4u);
  // A second "replica" stores more entries: the held fold catches up.
  const auto raw = jx::Entries();
  std::vector<storage::NewJournalEntry> more = {{4, raw[3]}, {5, raw[4]}};
  ASSERT_TRUE(store_->AppendJournalEntries(ids[0], more));
  auto caught = folds.Materialize(ids[0], base, manifest);
  ASSERT_TRUE(caught);
  EXPECT_EQ((*caught)->resource_count, 2);
  EXPECT_EQ(folds.stats().catch_ups, 1u);
  // Deleted entries (compaction elsewhere): nothing to materialise, fold dropped.
  ASSERT_TRUE(store_->DeleteJournalEntries(ids[0]));
  auto gone = folds.Materialize(ids[0], base, manifest);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_EQ(folds.size(), 1u);
  // Idle folds go when the cache is next used.
  clock_.Advance(61);
  ASSERT_TRUE(folds.Materialize(ids[1], base, manifest));
  EXPECT_EQ(folds.size(), 1u);
  EXPECT_EQ(folds.stats().evictions, 3u);
}

}  // namespace
}  // namespace statehouse::updates
