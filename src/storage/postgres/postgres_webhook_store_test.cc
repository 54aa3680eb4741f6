// PostgreSQL-specific behaviour of the webhook queue and the audit trail:
// rules that hold across replicas (several stores on one database) only
// through row locks, SKIP LOCKED and unique indexes, byte-exact payloads, and
// append-only audit rows enforced by the schema itself. The shared behaviour
// is in the conformance suites.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/conformance_fixture.h"
#include "storage/postgres/postgres_store.h"
#include "test/fakes/pg_cluster.h"

namespace statehouse::storage {
namespace {

// Every byte value, NUL and invalid UTF-8 included.
std::string AllBytes() {
  std::string bytes;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  return bytes;
}

class PostgresWebhookStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::CreateTestDatabase();
    ASSERT_TRUE(url.has_value()) << ErrorText(url);
    url_ = *url;
    a_ = Open(4);
    b_ = Open(4);
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    acme_ = MakeOrg("o-acme", "acme");
    SH_ASSERT_OK(a_->CreateUserWithPersonalOrg(MakeUser("u-acme", "acme"), acme_, std::nullopt, ""));
  }

  // Another replica on the same database.
  StorePtr Open(int pool_size) {
    PostgresOptions options;
    options.url = url_;
    options.pool_size = pool_size;
    auto store = OpenPostgresStore(options);
    EXPECT_TRUE(store.has_value()) << ErrorText(store);
    return store ? std::move(*store) : nullptr;
  }

  WebhookRecord Hook(const std::string& id, const std::string& name,
                     const std::string& stack_id = "") {
    WebhookRecord hook;
    hook.id = id;
    hook.org_id = acme_.id;
    hook.stack_id = stack_id;
    hook.name = name;
    hook.display_name = name;
    hook.payload_url = "https://example.com/" + name;
    hook.created = kT0;
    return hook;
  }

  static WebhookJobRecord Job(const std::string& id, const std::string& webhook_id,
                              int64_t created) {
    WebhookJobRecord job;
    job.id = id;
    job.webhook_id = webhook_id;
    job.kind = "stack_update";
    job.payload = "{\"job\":\"" + id + "\"}";
    job.next_attempt_at = kT0;
    job.created = created;
    return job;
  }

  static WebhookDeliveryRecord Delivery(const std::string& id, const std::string& webhook_id,
                                        int64_t timestamp) {
    WebhookDeliveryRecord d;
    d.id = id;
    d.webhook_id = webhook_id;
    d.kind = "ping";
    d.payload = "{}";
    d.timestamp = timestamp;
    d.request_url = "https://example.com/hook";
    d.response_code = 200;
    return d;
  }

  // Blocks until `waiters` backends of this database wait for a lock (or
  // fails the test after 10 s).
  void AwaitLockWaiters(int waiters) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (testing::RunSql(url_, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                     " AND wait_event_type = 'Lock'") != std::to_string(waiters)) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no backend waits for a lock";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::string url_;
  StorePtr a_, b_;
  OrgRecord acme_;
};

// Replicas claiming from one queue at once, each settling what it got: every
// job is handed out exactly once and delivered exactly once.
TEST_F(PostgresWebhookStoreTest, ReplicasClaimingTogetherNeverShareAJob) {
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-1", "one")));
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-2", "two")));
  constexpr int kJobs = 600;
  SH_ASSERT_OK(a_->RunInTransaction([&]() -> Result<void> {
    for (int i = 0; i < kJobs; ++i) {
      SH_TRY(a_->EnqueueWebhookJob(
          Job("j-" + std::to_string(i), i % 2 == 0 ? "h-1" : "h-2", kT0 + i % 17)));
    }
    return {};
  }));

  std::mutex mu;
  std::vector<std::string> claimed;
  std::atomic<int> failures{0};
  std::atomic<int> deliveries{0};
  std::vector<std::thread> workers;
  for (Store* store : {a_.get(), b_.get()}) {
    for (int t = 0; t < 4; ++t) {
      workers.emplace_back([&, store] {
        for (int round = 0; round < 10'000; ++round) {
          auto jobs = store->ClaimWebhookJobs(kT0, kT0 + 600, 5);
          if (!jobs) {
            failures.fetch_add(1);
            continue;
          }
          if (jobs->empty()) return;
          for (const auto& job : *jobs) {
            {
              std::lock_guard lock(mu);
              claimed.push_back(job.id);
            }
            WebhookDeliveryRecord d = Delivery("d-" + job.id, job.webhook_id, kT0 + 1);
            d.job_id = job.id;
            if (store->FinishWebhookAttempt(job, WebhookJobOutcome::kDone, d, kJobs)) {
              deliveries.fetch_add(1);
            } else {
              failures.fetch_add(1);
            }
          }
        }
      });
    }
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<size_t>(kJobs));
  EXPECT_EQ(deliveries.load(), kJobs);
  EXPECT_EQ(a_->CountWebhookJobs().value_or(-1), 0);
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM webhook_deliveries"), std::to_string(kJobs));
}

// A job another replica holds locked (claiming it in a transaction not yet
// committed) is skipped, not waited for, and is claimable again once that
// transaction rolls back.
TEST_F(PostgresWebhookStoreTest, ClaimSkipsJobsLockedByAnotherReplica) {
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-1", "one")));
  for (int i = 0; i < 4; ++i) {
    SH_ASSERT_OK(a_->EnqueueWebhookJob(Job("j-" + std::to_string(i), "h-1", kT0 + i)));
  }
  auto outcome = a_->RunInTransaction([&]() -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto mine, a_->ClaimWebhookJobs(kT0, kT0 + 30, 2));
    EXPECT_EQ(mine.size(), 2u);
    // Replica b runs on its own connections, outside a's open transaction.
    const auto start = std::chrono::steady_clock::now();
    auto theirs = b_->ClaimWebhookJobs(kT0, kT0 + 30, 10);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_TRUE(theirs.has_value()) << ErrorText(theirs);
    if (theirs) {
      std::vector<std::string> ids;
      for (const auto& job : *theirs) ids.push_back(job.id);
      EXPECT_EQ(ids, (std::vector<std::string>{"j-2", "j-3"}));
    }
    return Fail(Error::Internal("roll back"));
  });
  ASSERT_FALSE(outcome.has_value());
  auto after = b_->ClaimWebhookJobs(kT0, kT0 + 30, 10);
  SH_ASSERT_OK(after);
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].id, "j-0");
  EXPECT_EQ((*after)[1].id, "j-1");
}

// A claim one replica holds hides the job from the others until it lapses.
TEST_F(PostgresWebhookStoreTest, ClaimLapsesAndReclaimsAcrossReplicas) {
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-1", "one")));
  SH_ASSERT_OK(a_->EnqueueWebhookJob(Job("j-1", "h-1", kT0)));
  auto first = a_->ClaimWebhookJobs(kT0, kT0 + 30, 10);
  SH_ASSERT_OK(first);
  ASSERT_EQ(first->size(), 1u);
  auto early = b_->ClaimWebhookJobs(kT0 + 29, kT0 + 60, 10);
  SH_ASSERT_OK(early);
  EXPECT_TRUE(early->empty());
  auto lapsed = b_->ClaimWebhookJobs(kT0 + 30, kT0 + 60, 10);
  SH_ASSERT_OK(lapsed);
  ASSERT_EQ(lapsed->size(), 1u);
  EXPECT_EQ((*lapsed)[0].id, "j-1");
  auto again = a_->ClaimWebhookJobs(kT0 + 45, kT0 + 90, 10);
  SH_ASSERT_OK(again);
  EXPECT_TRUE(again->empty());
}

// Replicas recording deliveries of one webhook at once keep exactly `keep`.
TEST_F(PostgresWebhookStoreTest, ConcurrentDeliveriesTrimToExactlyKeep) {
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-1", "one")));
  constexpr int kKeep = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (Store* store : {a_.get(), b_.get()}) {
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, store, t] {
        for (int i = 0; i < 40; ++i) {
          const std::string id = fmt::format("d-{}-{}-{}", store == a_.get() ? "a" : "b", t, i);
          if (!store->AddWebhookDelivery(Delivery(id, "h-1", kT0 + i), kKeep)) failures++;
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM webhook_deliveries"), std::to_string(kKeep));
  auto newest = a_->ListWebhookDeliveries("h-1", 100);
  SH_ASSERT_OK(newest);
  ASSERT_EQ(newest->size(), static_cast<size_t>(kKeep));
  for (const auto& d : *newest) EXPECT_EQ(d.timestamp, kT0 + 39);
}

// A record made while another replica's record of the same webhook is not
// yet committed waits for it and then trims it too, leaving exactly `keep`.
TEST_F(PostgresWebhookStoreTest, OverlappingDeliveriesSeeEachOtherWhenTrimming) {
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-1", "one")));
  SH_ASSERT_OK(a_->AddWebhookDelivery(Delivery("d-0", "h-1", kT0), 1));
  Result<void> added;
  std::thread other;
  auto first = a_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(a_->AddWebhookDelivery(Delivery("d-a", "h-1", kT0 + 1), 1));
    other = std::thread([&] { added = b_->AddWebhookDelivery(Delivery("d-b", "h-1", kT0 + 2), 1); });
    AwaitLockWaiters(1);
    return {};
  });
  other.join();
  SH_ASSERT_OK(first);
  SH_ASSERT_OK(added);
  auto left = a_->ListWebhookDeliveries("h-1", 10);
  SH_ASSERT_OK(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, "d-b");
}

// A delivery recorded while another replica deletes the webhook waits for the
// delete and then records nothing (kNotFound), never a foreign-key failure.
TEST_F(PostgresWebhookStoreTest, DeliveryRacingADeleteRecordsNothing) {
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-1", "one")));
  SH_ASSERT_OK(a_->EnqueueWebhookJob(Job("j-1", "h-1", kT0)));
  Result<void> added;
  Result<void> finished;
  std::thread other;
  auto deleted = a_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(a_->DeleteWebhook("h-1"));
    other = std::thread([&] {
      added = b_->AddWebhookDelivery(Delivery("d-1", "h-1", kT0), 10);
      finished = b_->FinishWebhookAttempt(Job("j-1", "h-1", kT0), WebhookJobOutcome::kDone,
                                          Delivery("d-2", "h-1", kT0), 10);
    });
    AwaitLockWaiters(1);  // b waits for the row a deleted
    return {};
  });
  other.join();
  SH_ASSERT_OK(deleted);
  SH_EXPECT_ERROR(added, ErrorCode::kNotFound);
  SH_EXPECT_OK(finished);
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM webhook_deliveries"), "0");
  EXPECT_EQ(a_->CountWebhookJobs().value_or(-1), 0);
}

// Names stay unique per scope when replicas create the same one at once; a
// stack webhook's name stays taken in its stack after the stack moves.
TEST_F(PostgresWebhookStoreTest, ConcurrentCreatesOfOneNameLetOneThrough) {
  SH_ASSERT_OK(a_->CreateStack(MakeStack("s-web", acme_, "site", "web"), std::nullopt));
  for (int round = 0; round < 10; ++round) {
    for (const std::string stack_id : {"", "s-web"}) {
      const std::string name = fmt::format("hook-{}", round);
      std::atomic<int> ok{0};
      std::atomic<int> taken{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
          Store* store = t % 2 == 0 ? a_.get() : b_.get();
          auto created = store->CreateWebhook(
              Hook(fmt::format("h-{}-{}-{}", stack_id, round, t), name, stack_id));
          if (created) {
            ++ok;
          } else if (created.error().code == ErrorCode::kAlreadyExists) {
            ++taken;
          }
        });
      }
      for (auto& thread : threads) thread.join();
      EXPECT_EQ(ok.load(), 1) << name << " in '" << stack_id << "'";
      EXPECT_EQ(taken.load(), 3) << name << " in '" << stack_id << "'";
    }
  }

  OrgRecord zeta = MakeOrg("o-zeta", "zeta");
  SH_ASSERT_OK(a_->CreateUserWithPersonalOrg(MakeUser("u-zeta", "zeta"), zeta, std::nullopt, ""));
  SH_ASSERT_OK(a_->MoveStack("s-web", zeta.id, "site", "web", std::nullopt));
  WebhookRecord clash = Hook("h-clash", "hook-0", "s-web");
  clash.org_id = zeta.id;
  SH_EXPECT_ERROR(b_->CreateWebhook(clash), ErrorCode::kAlreadyExists);
  auto moved = b_->GetWebhook(zeta.id, "s-web", "hook-0");
  SH_ASSERT_OK(moved);
  EXPECT_EQ(moved->org_id, acme_.id);  // the row keeps the org it was created in
}

TEST_F(PostgresWebhookStoreTest, PayloadsKeepEveryByteIncludingNul) {
  SH_ASSERT_OK(a_->CreateWebhook(Hook("h-1", "one")));
  WebhookJobRecord job = Job("j-1", "h-1", kT0);
  job.payload = AllBytes();
  SH_ASSERT_OK(a_->EnqueueWebhookJob(job));
  auto claimed = b_->ClaimWebhookJobs(kT0, kT0 + 30, 1);
  SH_ASSERT_OK(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_TRUE((*claimed)[0].payload == job.payload);

  WebhookDeliveryRecord d = Delivery("d-1", "h-1", kT0);
  d.payload = AllBytes();
  d.response_body = std::string("\0\xff\xfe ok", 6);
  SH_ASSERT_OK(b_->FinishWebhookAttempt((*claimed)[0], WebhookJobOutcome::kDone, d, 10));
  auto got = a_->GetWebhookDelivery("h-1", "d-1");
  SH_ASSERT_OK(got);
  EXPECT_TRUE(got->payload == d.payload);
  EXPECT_TRUE(got->response_body == d.response_body);
  EXPECT_EQ(testing::RunSql(url_, "SELECT octet_length(payload) FROM webhook_deliveries"),
            std::to_string(d.payload.size()));
}

// The schema itself refuses to change or remove audit rows, whoever asks.
TEST_F(PostgresWebhookStoreTest, AuditRowsRefuseUpdateDeleteAndTruncate) {
  AuditEventRecord e;
  e.id = "e-1";
  e.org_id = acme_.id;
  e.time = kT0;
  e.event = "stack-created";
  e.description = "Created stack";
  SH_ASSERT_OK(a_->AppendAuditEvent(e));
  for (const char* sql : {"UPDATE audit_events SET event = 'forged'",
                          "DELETE FROM audit_events", "TRUNCATE audit_events"}) {
    const std::string result = testing::RunSql(url_, sql);
    EXPECT_NE(result.find("append-only"), std::string::npos) << sql << ": " << result;
  }
  AuditQuery query;
  query.org_id = acme_.id;
  auto rows = b_->ListAuditEvents(query);
  SH_ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].event, "stack-created");
}

// Replicas appending the same id at once: one row, the others kAlreadyExists.
TEST_F(PostgresWebhookStoreTest, AuditDuplicateIdsAcrossReplicasKeepOneRow) {
  for (int round = 0; round < 10; ++round) {
    std::atomic<int> ok{0};
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        Store* store = t % 2 == 0 ? a_.get() : b_.get();
        AuditEventRecord e;
        e.id = fmt::format("e-{}", round);
        e.org_id = acme_.id;
        e.time = kT0 + round;
        e.event = fmt::format("from-{}", t);
        auto appended = store->AppendAuditEvent(e);
        if (appended) {
          ++ok;
        } else if (appended.error().code == ErrorCode::kAlreadyExists) {
          ++taken;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(taken.load(), 3);
  }
  EXPECT_EQ(testing::RunSql(url_, "SELECT COUNT(*) FROM audit_events"), "10");
}

}  // namespace
}  // namespace statehouse::storage
