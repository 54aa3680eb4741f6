// PostgreSQL-specific behaviour of updates, checkpoints and engine events:
// the rules several replicas (stores on one database) must keep together,
// byte-exact checkpoints, and that a delta append leaves the base alone.
// The shared behaviour is in the conformance suites.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/conformance_fixture.h"
#include "storage/postgres/postgres_store.h"
#include "test/fakes/pg_cluster.h"

namespace statehouse::storage {
namespace {

UpdateRecord NewUpdate(const std::string& id, const std::string& stack_id, bool dry_run) {
  UpdateRecord u;
  u.id = id;
  u.stack_id = stack_id;
  u.kind = dry_run ? "preview" : "update";
  u.dry_run = dry_run;
  u.message = "m";
  u.requested_by = "u-alice";
  u.requested_by_login = "alice";
  u.created = 100;
  return u;
}

// A deploymentDelta replacing bytes [start, end) with `text` (JSON-safe).
std::string Delta(size_t start, size_t end, const std::string& text) {
  return "[{\"Span\":{\"start\":{\"offset\":" + std::to_string(start) + "},\"end\":{\"offset\":" +
         std::to_string(end) + "}},\"NewText\":\"" + text + "\"}]";
}

// Runs `a` and `b` on two threads released at the same moment.
void Race(const std::function<void()>& a, const std::function<void()>& b) {
  std::atomic<int> ready{0};
  auto wrap = [&ready](const std::function<void()>& fn) {
    return [&ready, &fn] {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      fn();
    };
  };
  std::thread ta(wrap(a));
  std::thread tb(wrap(b));
  ta.join();
  tb.join();
}

// Two replicas (a, b) and a third store for setup and checks, on one fresh
// database holding user alice with org "alice".
class PostgresUpdateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::CreateTestDatabase();
    ASSERT_TRUE(url.has_value()) << ErrorText(url);
    url_ = *url;
    setup_ = Open(2);
    a_ = Open(1);
    b_ = Open(1);
    ASSERT_NE(setup_, nullptr);
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    org_ = MakeOrg("o-alice", "alice");
    SH_ASSERT_OK(setup_->CreateUserWithPersonalOrg(MakeUser("u-alice", "alice"), org_,
                                                   std::nullopt, ""));
  }

  StorePtr Open(int pool_size) {
    PostgresOptions options;
    options.url = url_;
    options.pool_size = pool_size;
    auto store = OpenPostgresStore(options);
    EXPECT_TRUE(store.has_value()) << ErrorText(store);
    return store ? std::move(*store) : nullptr;
  }

  void AddStack(const std::string& id) {
    SH_ASSERT_OK(setup_->CreateStack(MakeStack(id, org_, "proj", id), std::nullopt));
  }

  // Creates and starts update `id` on `stack_id` with a lease until
  // `lease_expires` (started at 10).
  void Running(const std::string& id, const std::string& stack_id, int64_t lease_expires = 1000) {
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate(id, stack_id, false)));
    SH_ASSERT_OK(setup_->StartUpdate(id, "lease-" + id, lease_expires, 10));
  }

  int RunningCount(const std::string& stack_id) {
    return std::stoi(testing::RunSql(url_, "SELECT COUNT(*) FROM updates WHERE status = 1 AND stack_id = '" +
                                   stack_id + "'"));
  }

  std::string url_;
  StorePtr setup_;
  StorePtr a_;
  StorePtr b_;
  OrgRecord org_;
};

// Starting two different updates of one stack from two replicas at once:
// exactly one runs, the other gets the same kConflict as on SQLite.
TEST_F(PostgresUpdateStoreTest, ReplicasRacingToStartOneStackStartExactlyOne) {
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string stack = "s-" + std::to_string(round);
    AddStack(stack);
    const std::string ua = stack + "-a";
    const std::string ub = stack + "-b";
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate(ua, stack, round % 2 == 0)));
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate(ub, stack, false)));
    Result<UpdateRecord> ra = Fail(Error::Internal("not run"));
    Result<UpdateRecord> rb = Fail(Error::Internal("not run"));
    Race([&] { ra = a_->StartUpdate(ua, "ha", 500, 100); },
         [&] { rb = b_->StartUpdate(ub, "hb", 500, 100); });
    ASSERT_NE(ra.has_value(), rb.has_value()) << ErrorText(ra) << " / " << ErrorText(rb);
    const Result<UpdateRecord>& loser = ra ? rb : ra;
    EXPECT_EQ(loser.error().code, ErrorCode::kConflict) << ErrorText(loser);
    const UpdateRecord& winner = ra ? *ra : *rb;
    EXPECT_EQ(RunningCount(stack), 1);
    EXPECT_EQ(setup_->GetStack("alice", "proj", stack)->active_update, winner.id);
  }
}

// The same update started by two replicas at once (a retried request):
// one start, one "already started".
TEST_F(PostgresUpdateStoreTest, ReplicasRacingToStartOneUpdateStartItOnce) {
  AddStack("s-1");
  for (int round = 0; round < 10; ++round) {
    const std::string id = "up-" + std::to_string(round);
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate(id, "s-1", false)));
    Result<UpdateRecord> ra = Fail(Error::Internal("not run"));
    Result<UpdateRecord> rb = Fail(Error::Internal("not run"));
    Race([&] { ra = a_->StartUpdate(id, "ha", 500, 100); },
         [&] { rb = b_->StartUpdate(id, "hb", 500, 100); });
    ASSERT_NE(ra.has_value(), rb.has_value()) << ErrorText(ra) << " / " << ErrorText(rb);
    EXPECT_EQ((ra ? rb : ra).error().code, ErrorCode::kConflict);
    const UpdateRecord& started = ra ? *ra : *rb;
    EXPECT_EQ(started.version, round + 1);
    EXPECT_EQ(setup_->GetUpdate(id)->lease_hash, started.lease_hash);
    SH_ASSERT_OK(setup_->FinishUpdate(id, UpdateStatus::kRunning, UpdateStatus::kSucceeded, 101));
  }
  EXPECT_EQ(setup_->GetStack("alice", "proj", "s-1")->version, 10);
}

// Two replicas taking over a stack whose running update's lease lapsed: the
// lapsed update ends failed once, one newcomer starts, at the next version.
TEST_F(PostgresUpdateStoreTest, ReplicasTakingOverALapsedLeaseStartExactlyOne) {
  for (int round = 0; round < 10; ++round) {
    const std::string stack = "s-" + std::to_string(round);
    AddStack(stack);
    Running(stack + "-old", stack, /*lease_expires=*/50);
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate(stack + "-a", stack, false)));
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate(stack + "-b", stack, true)));
    Result<UpdateRecord> ra = Fail(Error::Internal("not run"));
    Result<UpdateRecord> rb = Fail(Error::Internal("not run"));
    Race([&] { ra = a_->StartUpdate(stack + "-a", "ha", 500, 100); },
         [&] { rb = b_->StartUpdate(stack + "-b", "hb", 500, 100); });
    ASSERT_NE(ra.has_value(), rb.has_value()) << ErrorText(ra) << " / " << ErrorText(rb);
    EXPECT_EQ((ra ? rb : ra).error().code, ErrorCode::kConflict);
    auto old = setup_->GetUpdate(stack + "-old");
    SH_ASSERT_OK(old);
    EXPECT_EQ(old->status, UpdateStatus::kFailed);
    EXPECT_EQ(old->ended, 100);
    EXPECT_EQ(setup_->GetStack("alice", "proj", stack)->version, 1);
    // The lapsed update held version 1: an update now takes 2, a preview 1.
    EXPECT_EQ(ra ? ra->version : rb->version, ra ? 2 : 1);
    EXPECT_EQ(RunningCount(stack), 1);
  }
}

// A renewal racing a takeover at the moment the lease lapsed: either the
// renewal wins (the newcomer conflicts) or the takeover (the renewal
// conflicts), never both.
TEST_F(PostgresUpdateStoreTest, RenewalAndTakeoverOfALapsedLeaseNeverBothSucceed) {
  for (int round = 0; round < 20; ++round) {
    const std::string stack = "s-" + std::to_string(round);
    AddStack(stack);
    Running(stack + "-old", stack, /*lease_expires=*/50);
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate(stack + "-new", stack, false)));
    Result<void> renewed = Fail(Error::Internal("not run"));
    Result<UpdateRecord> started = Fail(Error::Internal("not run"));
    Race([&] { renewed = a_->RenewLease(stack + "-old", "renewed", 400); },
         [&] { started = b_->StartUpdate(stack + "-new", "hn", 500, 100); });
    ASSERT_NE(renewed.has_value(), started.has_value())
        << ErrorText(renewed) << " / " << ErrorText(started);
    EXPECT_EQ(renewed ? started.error().code : renewed.error().code, ErrorCode::kConflict);
    EXPECT_EQ(setup_->GetUpdate(stack + "-old")->status,
              renewed ? UpdateStatus::kRunning : UpdateStatus::kFailed);
    EXPECT_EQ(RunningCount(stack), 1);
  }
}

// Two replicas saving a checkpoint against the same expected sequence: one
// is accepted, the other gets kConflict, and the stored text is the winner's.
TEST_F(PostgresUpdateStoreTest, ConcurrentPutCheckpointWithTheSameSequenceAcceptsOne) {
  AddStack("s-1");
  Running("up-1", "s-1");
  const std::string text_a = MakeDeployment(200'000, 1);
  const std::string text_b = MakeDeployment(200'000, 2);
  for (int round = 0; round < 20; ++round) {
    Result<void> ra = Fail(Error::Internal("not run"));
    Result<void> rb = Fail(Error::Internal("not run"));
    Race([&] { ra = a_->PutCheckpoint("up-1", round, round + 1, "ha", text_a, 1); },
         [&] { rb = b_->PutCheckpoint("up-1", round, round + 1, "hb", text_b, 2); });
    ASSERT_NE(ra.has_value(), rb.has_value()) << ErrorText(ra) << " / " << ErrorText(rb);
    EXPECT_EQ((ra ? rb : ra).error().code, ErrorCode::kConflict);
    auto update = setup_->GetUpdate("up-1");
    SH_ASSERT_OK(update);
    EXPECT_EQ(update->last_sequence, round + 1);
    EXPECT_EQ(update->last_hash, ra ? "ha" : "hb");
    EXPECT_EQ(update->resource_count, ra ? 1 : 2);
    auto checkpoint = setup_->GetCheckpoint("up-1");
    SH_ASSERT_OK(checkpoint);
    ASSERT_TRUE(checkpoint->has_value());
    EXPECT_TRUE(**checkpoint == (ra ? text_a : text_b));
    EXPECT_TRUE(*setup_->GetCurrentState("s-1").value() == (ra ? text_a : text_b));
  }
}

// The same for deltas: one is appended (its ordinal is its sequence number),
// the log stays gap-free, and the text is the base with the winner's edit.
TEST_F(PostgresUpdateStoreTest, ConcurrentDeltasWithTheSameSequenceAppendOne) {
  AddStack("s-1");
  Running("up-1", "s-1");
  std::string expected = MakeDeployment(100'000, 3);
  SH_ASSERT_OK(setup_->PutCheckpoint("up-1", 0, 1, "h1", expected, 1));
  for (int round = 0; round < 20; ++round) {
    const int64_t seq = round + 1;
    const std::string da = Delta(static_cast<size_t>(round), static_cast<size_t>(round) + 1, "A");
    const std::string db = Delta(static_cast<size_t>(round), static_cast<size_t>(round) + 2, "BB");
    std::string full_a = expected;
    full_a.replace(static_cast<size_t>(round), 1, "A");
    std::string full_b = expected;
    full_b.replace(static_cast<size_t>(round), 2, "BB");
    Result<void> ra = Fail(Error::Internal("not run"));
    Result<void> rb = Fail(Error::Internal("not run"));
    Race([&] { ra = a_->AppendCheckpointDelta("up-1", seq, seq + 1, "ha", da, 1); },
         [&] { rb = b_->AppendCheckpointDelta("up-1", seq, seq + 1, "hb", db, 1); });
    ASSERT_NE(ra.has_value(), rb.has_value()) << ErrorText(ra) << " / " << ErrorText(rb);
    EXPECT_EQ((ra ? rb : ra).error().code, ErrorCode::kConflict);
    expected = ra ? full_a : full_b;
  }
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) || ' ' || MIN(ordinal) || ' ' || MAX(ordinal)"
                      " FROM update_checkpoint_deltas"),
            "20 2 21");
  auto checkpoint = setup_->GetCheckpoint("up-1");
  SH_ASSERT_OK(checkpoint);
  ASSERT_TRUE(checkpoint->has_value());
  EXPECT_TRUE(**checkpoint == expected);
  EXPECT_TRUE(*setup_->GetCurrentState("s-1").value() == expected);
  EXPECT_EQ(setup_->GetUpdate("up-1")->last_sequence, 21);
}

// Compaction on one replica while the other appends deltas (and finally a
// full save): neither waits for nor breaks the other; every text read is the
// latest acknowledged one and the folded deltas leave the log.
TEST_F(PostgresUpdateStoreTest, CompactionRacesAppendsAndFullSaves) {
  AddStack("s-1");
  Running("up-1", "s-1");
  std::string text = MakeDeployment(100'000, 3);
  SH_ASSERT_OK(setup_->PutCheckpoint("up-1", 0, 1, "h1", text, 1));
  std::vector<std::string> texts{text, text};  // texts[seq] = text after seq
  for (int64_t seq = 2; seq <= 21; ++seq) {
    const std::string delta = Delta(static_cast<size_t>(seq), static_cast<size_t>(seq) + 1, "C");
    text.replace(static_cast<size_t>(seq), 1, "C");
    texts.push_back(text);
    Result<void> appended = Fail(Error::Internal("not run"));
    Result<bool> folded = Fail(Error::Internal("not run"));
    const int64_t through = seq - 1;
    Race([&] { appended = a_->AppendCheckpointDelta("up-1", seq - 1, seq, "h", delta, 1); },
         [&] { folded = b_->CompactCheckpoint("up-1", through, texts[through]); });
    SH_ASSERT_OK(appended);
    SH_ASSERT_OK(folded);
    EXPECT_EQ(*folded, through >= 2) << seq;  // sequence 1 is the base, not a delta
    EXPECT_TRUE(*setup_->GetCheckpoint("up-1").value() == text) << seq;
  }
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM update_checkpoint_deltas"), "1");
  auto figures = setup_->GetUpdate("up-1");
  EXPECT_EQ(figures->delta_count, 1);
  EXPECT_EQ(figures->base_size, static_cast<int64_t>(texts[20].size()));
  // A full save wins over a compaction of a delta it replaced.
  Result<void> put = Fail(Error::Internal("not run"));
  Result<bool> folded = Fail(Error::Internal("not run"));
  Race([&] { put = a_->PutCheckpoint("up-1", 21, 22, "hp", "full", 1); },
       [&] { folded = b_->CompactCheckpoint("up-1", 21, texts[21]); });
  SH_ASSERT_OK(put);
  SH_ASSERT_OK(folded);
  EXPECT_EQ(*setup_->GetCheckpoint("up-1").value(), "full");
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM update_checkpoint_deltas"), "0");
}

// Cancelling an update while its checkpoints are being saved (stack lock
// first, then the update, in both): no deadlock, and no checkpoint is
// accepted once the update ended.
TEST_F(PostgresUpdateStoreTest, CancelRacingCheckpointsNeverDeadlocks) {
  const std::string text = MakeDeployment(50'000, 4);
  for (int round = 0; round < 10; ++round) {
    const std::string stack = "s-" + std::to_string(round);
    AddStack(stack);
    Running(stack + "-u", stack);
    Result<UpdateRecord> cancelled = Fail(Error::Internal("not run"));
    std::vector<Result<void>> saves;
    Race([&] {
           cancelled = a_->FinishUpdate(stack + "-u", UpdateStatus::kRunning,
                                        UpdateStatus::kCancelled, 20);
         },
         [&] {
           for (int64_t seq = 0; seq < 5; ++seq) {
             saves.push_back(b_->PutCheckpoint(stack + "-u", seq, seq + 1, "h", text, 1));
             if (!saves.back()) break;
           }
         });
    SH_ASSERT_OK(cancelled);
    for (const auto& save : saves) {
      if (!save) {
        EXPECT_EQ(save.error().code, ErrorCode::kConflict) << ErrorText(save);
      }
    }
    EXPECT_EQ(setup_->GetUpdate(stack + "-u")->status, UpdateStatus::kCancelled);
    SH_EXPECT_ERROR(setup_->PutCheckpoint(stack + "-u", setup_->GetUpdate(stack + "-u")->last_sequence,
                                          99, "h", text, 1),
                    ErrorCode::kConflict);
  }
}

// Checkpoints are bytea: every byte value, NUL included, survives the base
// and the delta log; a delta append does not rewrite the base row.
TEST_F(PostgresUpdateStoreTest, CheckpointsKeepEveryByteAndDeltasLeaveTheBaseAlone) {
  AddStack("s-1");
  Running("up-1", "s-1");
  std::string base;
  for (int round = 0; round < 64; ++round) {
    for (int b = 0; b < 256; ++b) base.push_back(static_cast<char>(b));
  }
  SH_ASSERT_OK(setup_->PutCheckpoint("up-1", 0, 1, "h1", base, 0));
  const std::string base_version = testing::RunSql(url_, "SELECT xmin::text FROM update_checkpoints");
  ASSERT_FALSE(base_version.empty());
  SH_ASSERT_OK(setup_->AppendCheckpointDelta("up-1", 1, 2, "h2", Delta(0, 3, "\\u00e9\\n"), 0));
  EXPECT_EQ(testing::RunSql(url_, "SELECT xmin::text FROM update_checkpoints"), base_version);
  std::string expected = "\xC3\xA9\n" + base.substr(3);
  auto checkpoint = setup_->GetCheckpoint("up-1");
  SH_ASSERT_OK(checkpoint);
  ASSERT_TRUE(checkpoint->has_value());
  EXPECT_EQ(checkpoint->value().size(), expected.size());
  EXPECT_TRUE(**checkpoint == expected);
  SH_ASSERT_OK(setup_->FinishUpdate("up-1", UpdateStatus::kRunning, UpdateStatus::kSucceeded, 20));
  EXPECT_TRUE(*setup_->GetStateAtVersion("s-1", 1).value() == expected);
  EXPECT_TRUE(*setup_->GetCurrentState("s-1").value() == expected);
}

// Two replicas storing overlapping, shuffled batches of one update's events
// at once: every sequence is stored once, the counts they report add up, and
// each stored event is the first one of its sequence in its batch.
TEST_F(PostgresUpdateStoreTest, ConcurrentOverlappingEventBatchesStoreEachSequenceOnce) {
  AddStack("s-1");
  Running("up-1", "s-1");
  constexpr int kEvents = 400;
  auto json = [](int seq) {
    std::string out = "{\"sequence\":" + std::to_string(seq) + ",\"bytes\":\"";
    out.push_back('\0');
    out += "\xF0\x9F\x98\x80\"}";
    return out;
  };
  std::vector<std::string> texts;
  texts.reserve(kEvents);
  for (int i = 0; i < kEvents; ++i) texts.push_back(json(i));
  // a: ascending, b: descending with a repeated sequence carrying other text.
  std::vector<NewEngineEvent> batch_a;
  std::vector<NewEngineEvent> batch_b;
  const std::string other = "{\"other\":true}";
  for (int i = 0; i < kEvents; ++i) {
    batch_a.push_back(NewEngineEvent{i, 7, "resOutputsEvent", i % 3 == 0 ? "create" : "", texts[i]});
  }
  for (int i = kEvents - 1; i >= 0; --i) {
    batch_b.push_back(NewEngineEvent{i, 7, "resOutputsEvent", i % 3 == 0 ? "create" : "", texts[i]});
    if (i % 50 == 0) batch_b.push_back(NewEngineEvent{i, 8, "stdoutEvent", "", other});
  }
  for (int round = 0; round < 5; ++round) {
    SH_ASSERT_OK(setup_->CreateUpdate(NewUpdate("ev-" + std::to_string(round), "s-1", false)));
    const std::string id = "ev-" + std::to_string(round);
    Result<int64_t> ra = Fail(Error::Internal("not run"));
    Result<int64_t> rb = Fail(Error::Internal("not run"));
    Race([&] { ra = a_->AppendEngineEvents(id, batch_a); },
         [&] { rb = b_->AppendEngineEvents(id, batch_b); });
    SH_ASSERT_OK(ra);
    SH_ASSERT_OK(rb);
    EXPECT_EQ(*ra + *rb, kEvents);
    auto events = setup_->ListEngineEvents(id, 0, -1);
    SH_ASSERT_OK(events);
    ASSERT_EQ(events->size(), static_cast<size_t>(kEvents));
    for (int i = 0; i < kEvents; ++i) {
      EXPECT_EQ((*events)[i].sequence, i);
      EXPECT_TRUE((*events)[i].json == texts[i]) << i;
      EXPECT_EQ((*events)[i].type, "resOutputsEvent");
    }
    auto changes = setup_->GetResourceChanges({id});
    SH_ASSERT_OK(changes);
    EXPECT_EQ(changes->at(id).op_counts.at("create"), (kEvents + 2) / 3);
    EXPECT_FALSE(changes->at(id).summary_json.has_value());
    EXPECT_EQ(setup_->AppendEngineEvents(id, batch_b).value(), 0);
  }
}

// Figures for the 25 MB case: a full checkpoint, then deltas that append
// (without rewriting the base), reading the state back. Printed, not
// asserted beyond correctness.
TEST_F(PostgresUpdateStoreTest, FiguresForA25MegabyteCheckpointWithDeltas) {
  AddStack("s-1");
  Running("up-1", "s-1");
  std::string text = MakeDeployment(25u << 20, 5);
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  auto t0 = Clock::now();
  SH_ASSERT_OK(setup_->PutCheckpoint("up-1", 0, 1, "h", text, 1));
  const double put_ms = ms(Clock::now() - t0);

  constexpr int kDeltas = 100;
  double append_ms = 0;
  double compact_ms = 0;
  int compactions = 0;
  for (int i = 0; i < kDeltas; ++i) {
    const size_t at = static_cast<size_t>(i) * 1000 + 100;
    const std::string delta = Delta(at, at + 4, "edit");
    text.replace(at, 4, "edit");
    // The 9th delta folds the log, as the updates service does with its
    // default policy (a log of at most 8 deltas): it stores the full text.
    const bool compacts = (i % 9) == 8;
    t0 = Clock::now();
    if (compacts) {
      SH_ASSERT_OK(setup_->PutCheckpoint("up-1", i + 1, i + 2, "h", text, 1));
    } else {
      SH_ASSERT_OK(setup_->AppendCheckpointDelta("up-1", i + 1, i + 2, "h", delta, 1));
    }
    (compacts ? compact_ms : append_ms) += ms(Clock::now() - t0);
    compactions += compacts ? 1 : 0;
  }
  t0 = Clock::now();
  auto checkpoint = setup_->GetCheckpoint("up-1");
  const double get_ms = ms(Clock::now() - t0);
  SH_ASSERT_OK(checkpoint);
  ASSERT_TRUE(checkpoint->has_value());
  EXPECT_TRUE(**checkpoint == text);
  t0 = Clock::now();
  auto current = setup_->GetCurrentState("s-1");
  const double current_ms = ms(Clock::now() - t0);
  SH_ASSERT_OK(current);
  EXPECT_TRUE(current->has_value() && **current == text);
  const std::string log = testing::RunSql(url_, "SELECT COUNT(*) FROM update_checkpoint_deltas");
  EXPECT_EQ(log, std::to_string(kDeltas % 9));
  std::printf(
      "[ figures  ] 25 MB: put %.1f ms; %d appends avg %.2f ms; %d compactions avg %.1f ms;"
      " GetCheckpoint (base + %s deltas) %.1f ms; GetCurrentState %.1f ms\n",
      put_ms, kDeltas - compactions, append_ms / (kDeltas - compactions), compactions,
      compact_ms / std::max(compactions, 1), log.c_str(), get_ms, current_ms);
}

}  // namespace
}  // namespace statehouse::storage
