// The delivery worker driven through RunOnce() with a fake poster and a fake
// clock, and the enqueuer against a real SQLite store.

#include "webhooks/worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "crypto/crypto.h"
#include "test/fakes/fake_clock.h"
#include "test/fakes/temp_dir.h"
#include "test/fakes/test_store.h"
#include "webhooks/enqueuer.h"
#include "webhooks/payload.h"
#include "webhooks/signature.h"

namespace statehouse::webhooks {
namespace {

using storage::WebhookDeliveryRecord;
using storage::WebhookJobRecord;
using storage::WebhookRecord;
using testing::FakeClock;

// Answers posts from a script (then `fallback`) and keeps every request.
class FakePoster final : public HttpPoster {
 public:
  PostResult Post(const PostRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (script_.empty()) return fallback_;
    PostResult result = script_.front();
    script_.pop_front();
    return result;
  }
  void Then(PostResult result) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(result));
  }
  void SetFallback(PostResult result) {
    std::lock_guard lock(mu_);
    fallback_ = std::move(result);
  }
  std::vector<PostRequest> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::deque<PostResult> script_;
  PostResult fallback_ = Status(200);
  std::vector<PostRequest> requests_;

 public:
  static PostResult Status(int status, std::string body = "") {
    PostResult r;
    r.status = status;
    r.body = std::move(body);
    r.headers = "Content-Type: text/plain\r\n";
    r.duration_ms = 3;
    return r;
  }
};

// Draws the same 64-bit value for every Fill (used for backoff only).
class FixedDraw final : public Random {
 public:
  explicit FixedDraw(uint64_t value) : value_(value) {}
  void Fill(unsigned char* out, size_t n) override {
    for (size_t i = 0; i < n; ++i)
      out[i] = static_cast<unsigned char>(value_ >> (8 * ((n - 1 - i) % 8)));
  }

 private:
  uint64_t value_;
};

std::string Header(const PostRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    alice_ = testing::CreateTestUser(*store_, random_, clock_, "alice").user;
    org_ = *store_->GetOrgByName("alice");
    stack_ = testing::CreateTestStack(*store_, random_, clock_, "alice", "web", "prod", alice_.id);
    options_.retry.base_ms = 2000;
    options_.retry.max_attempts = 3;
    options_.concurrency = 4;
  }

  WebhookRecord AddHook(std::string name, std::string secret = "", std::string stack_id = "") {
    WebhookRecord hook;
    hook.id = random_.Uuid();
    hook.org_id = org_.id;
    hook.stack_id = std::move(stack_id);
    hook.name = std::move(name);
    hook.display_name = "Hook " + hook.name;
    hook.payload_url = "https://receiver.example.com/" + hook.name;
    hook.secret_ciphertext = *SealSecret(master_key_, hook.id, secret, random_);
    hook.created = clock_.NowSeconds();
    EXPECT_TRUE(store_->CreateWebhook(hook).has_value());
    return hook;
  }

  WebhookJobRecord Enqueue(const WebhookRecord& hook, std::string payload = R"({"n":1})") {
    WebhookJobRecord job;
    job.id = random_.Uuid();
    job.webhook_id = hook.id;
    job.kind = "stack_update";
    job.payload = std::move(payload);
    job.next_attempt_at = clock_.NowSeconds();
    job.created = clock_.NowSeconds();
    EXPECT_TRUE(store_->EnqueueWebhookJob(job).has_value());
    return job;
  }

  std::vector<WebhookDeliveryRecord> Deliveries(const WebhookRecord& hook) {
    return *store_->ListWebhookDeliveries(hook.id, 100);
  }

  int64_t Jobs() { return *store_->CountWebhookJobs(); }

  int RunOnce(DeliveryWorker& worker) {
    auto n = worker.RunOnce();
    EXPECT_TRUE(n.has_value());
    return n.value_or(-1);
  }

  testing::TempDir dir_;
  storage::StorePtr store_;
  FakeClock clock_;
  crypto::OpenSslRandom random_;
  FixedDraw draw_{1500};  // every backoff draw: 1500 ms before the modulo
  const std::string master_key_ = std::string(32, 'm');
  FakePoster poster_;
  Deliverer deliverer_{poster_, clock_, random_, master_key_, std::chrono::seconds(10)};
  WorkerOptions options_;
  storage::UserRecord alice_;
  storage::OrgRecord org_;
  storage::StackRecord stack_;
};

TEST_F(WorkerTest, DeliversWithHeadersAndSignatureAndRecordsTheAttempt) {
  WebhookRecord hook = AddHook("signed", "mysecret");
  WebhookJobRecord job = Enqueue(hook, R"({"timestamp":1632735487,"message":"x"})");
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);

  EXPECT_EQ(RunOnce(worker), 1);
  auto requests = poster_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const PostRequest& request = requests[0];
  EXPECT_EQ(request.url, hook.payload_url);
  EXPECT_EQ(request.body, job.payload);
  EXPECT_EQ(request.timeout, std::chrono::seconds(10));
  EXPECT_EQ(Header(request, "Content-Type"), "application/json");
  EXPECT_EQ(Header(request, "Pulumi-Webhook-Kind"), "stack_update");
  EXPECT_EQ(Header(request, "Pulumi-Webhook-Signature"),
            "861742d5755808e891cdd5137a5245cf3aabc019d3b5761b9b7a4c754b0fc60b");

  auto records = Deliveries(hook);
  ASSERT_EQ(records.size(), 1u);
  const WebhookDeliveryRecord& record = records[0];
  EXPECT_EQ(Header(request, "Pulumi-Webhook-Id"), record.id);
  EXPECT_EQ(record.id.size(), 36u);
  EXPECT_EQ(record.job_id, job.id);
  EXPECT_EQ(record.kind, "stack_update");
  EXPECT_EQ(record.payload, job.payload);
  EXPECT_EQ(record.timestamp, clock_.NowSeconds());
  EXPECT_EQ(record.duration_ms, 3);
  EXPECT_EQ(record.request_url, hook.payload_url);
  EXPECT_EQ(record.request_headers,
            "Content-Type: application/json\r\nUser-Agent: Statehouse-Webhooks/1\r\n"
            "Pulumi-Webhook-Id: " +
                record.id +
                "\r\nPulumi-Webhook-Kind: stack_update\r\nPulumi-Webhook-Signature: "
                "861742d5755808e891cdd5137a5245cf3aabc019d3b5761b9b7a4c754b0fc60b\r\n");
  EXPECT_EQ(record.response_code, 200);
  EXPECT_EQ(record.response_headers, "Content-Type: text/plain\r\n");
  EXPECT_EQ(Jobs(), 0);
  EXPECT_EQ(RunOnce(worker), 0);
}

TEST_F(WorkerTest, NoSignatureWithoutASecret) {
  WebhookRecord hook = AddHook("plain");
  Enqueue(hook);
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);
  EXPECT_EQ(RunOnce(worker), 1);
  EXPECT_EQ(Header(poster_.Requests().at(0), "Pulumi-Webhook-Signature"), "<absent>");
  EXPECT_EQ(Deliveries(hook).at(0).request_headers.find("Signature"), std::string::npos);
}

TEST_F(WorkerTest, FailureIsRetriedAfterTheBackoffThenSucceeds) {
  WebhookRecord hook = AddHook("flaky");
  Enqueue(hook);
  poster_.Then(FakePoster::Status(500, "boom"));
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);

  EXPECT_EQ(RunOnce(worker), 1);
  auto records = Deliveries(hook);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].response_code, 500);
  EXPECT_EQ(records[0].response_body, "boom");
  EXPECT_EQ(Jobs(), 1);

  // The draw is 1500 ms (within [0, 2000]): due one whole second later.
  EXPECT_EQ(RunOnce(worker), 0);
  clock_.Advance(1);
  EXPECT_EQ(RunOnce(worker), 1);
  records = Deliveries(hook);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].response_code, 200);  // newest first
  EXPECT_EQ(records[1].response_code, 500);
  EXPECT_NE(records[0].id, records[1].id);  // a new Pulumi-Webhook-Id per attempt
  EXPECT_EQ(records[0].job_id, records[1].job_id);
  EXPECT_EQ(Jobs(), 0);
  EXPECT_EQ(poster_.Requests().size(), 2u);
}

TEST_F(WorkerTest, BackoffGrowsAndTheJobIsGivenUpAfterMaxAttempts) {
  WebhookRecord hook = AddHook("down");
  Enqueue(hook);
  poster_.SetFallback(FakePoster::Status(503));
  FixedDraw largest(~0ull);  // draws the largest wait the modulo gives
  options_.retry.base_ms = 10'000;
  DeliveryWorker worker(*store_, deliverer_, clock_, largest, options_);

  // Attempt 1 fails: wait ceiling 10 s; attempt 2: 20 s; attempt 3 is the last.
  const int64_t first_wait = RetryDelayMs(options_.retry, 1, largest) / 1000;
  const int64_t second_wait = RetryDelayMs(options_.retry, 2, largest) / 1000;
  ASSERT_LE(first_wait, 10);
  ASSERT_LE(second_wait, 20);

  EXPECT_EQ(RunOnce(worker), 1);
  if (first_wait > 0) {
    clock_.Advance(first_wait - 1);
    EXPECT_EQ(RunOnce(worker), 0);
    clock_.Advance(1);
  }
  EXPECT_EQ(RunOnce(worker), 1);
  if (second_wait > 0) {
    clock_.Advance(second_wait - 1);
    EXPECT_EQ(RunOnce(worker), 0);
    clock_.Advance(1);
  }
  EXPECT_EQ(RunOnce(worker), 1);
  EXPECT_EQ(Jobs(), 0);  // given up
  clock_.Advance(3600);
  EXPECT_EQ(RunOnce(worker), 0);
  EXPECT_EQ(Deliveries(hook).size(), 3u);
  EXPECT_EQ(poster_.Requests().size(), 3u);
}

TEST_F(WorkerTest, NoResponseIsAFailedRecordWithTheReason) {
  WebhookRecord hook = AddHook("refused");
  Enqueue(hook);
  PostResult refused;
  refused.error = "refused to connect to 127.0.0.1: the address is not allowed";
  poster_.Then(refused);
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);
  EXPECT_EQ(RunOnce(worker), 1);
  auto records = Deliveries(hook);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].response_code, 0);
  EXPECT_EQ(records[0].response_body, refused.error);
  EXPECT_EQ(Jobs(), 1);  // retried later
}

TEST_F(WorkerTest, ThreeHundredIsAFailureToo) {
  WebhookRecord hook = AddHook("redirect");
  Enqueue(hook);
  poster_.Then(FakePoster::Status(302));
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);
  EXPECT_EQ(RunOnce(worker), 1);
  EXPECT_EQ(Jobs(), 1);
}

TEST_F(WorkerTest, InactiveWebhookDropsItsJobsWithoutPosting) {
  WebhookRecord hook = AddHook("paused");
  Enqueue(hook);
  hook.active = false;
  ASSERT_TRUE(store_->UpdateWebhook(hook).has_value());
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);
  EXPECT_EQ(RunOnce(worker), 1);
  EXPECT_TRUE(poster_.Requests().empty());
  auto records = Deliveries(hook);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].response_code, 0);
  EXPECT_EQ(records[0].response_body, "not sent: the webhook is inactive");
  EXPECT_EQ(Jobs(), 0);
}

TEST_F(WorkerTest, SecretSealedUnderAnotherKeyFailsWithoutPosting) {
  WebhookRecord hook = AddHook("rekeyed", "s");
  Enqueue(hook);
  Deliverer other_key(poster_, clock_, random_, std::string(32, 'z'), std::chrono::seconds(10));
  DeliveryWorker worker(*store_, other_key, clock_, draw_, options_);
  EXPECT_EQ(RunOnce(worker), 1);
  EXPECT_TRUE(poster_.Requests().empty());
  auto records = Deliveries(hook);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NE(records[0].response_body.find("cannot be unsealed"), std::string::npos);
}

TEST_F(WorkerTest, ClaimsAtMostConcurrencyJobsPerRound) {
  WebhookRecord hook = AddHook("busy");
  for (int i = 0; i < 6; ++i) Enqueue(hook, "{\"n\":" + std::to_string(i) + "}");
  options_.concurrency = 4;
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);
  EXPECT_EQ(RunOnce(worker), 4);
  EXPECT_EQ(RunOnce(worker), 2);
  EXPECT_EQ(Deliveries(hook).size(), 6u);
}

TEST_F(WorkerTest, ThreadsDeliverAndStopPromptly) {
  WebhookRecord hook = AddHook("threaded");
  options_.poll_interval = std::chrono::milliseconds(20);
  DeliveryWorker worker(*store_, deliverer_, clock_, draw_, options_);
  worker.Start();
  for (int i = 0; i < 10; ++i) Enqueue(hook);
  worker.Wake();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Jobs() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Jobs(), 0);
  const auto before_stop = std::chrono::steady_clock::now();
  worker.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before_stop, std::chrono::seconds(2));
  EXPECT_EQ(Deliveries(hook).size(), 10u);
  worker.Stop();  // idempotent
}

// ---------------------------------------------------------------------------
// Enqueuer

class EnqueuerTest : public WorkerTest {
 protected:
  void SetUp() override {
    WorkerTest::SetUp();
    enqueuer_ = std::make_unique<Enqueuer>(*store_, clock_, random_, "https://sh.example.com",
                                           [this] { ++wakes_; });
  }

  events::DomainEvent Event(std::string kind) {
    events::DomainEvent event;
    event.kind = std::move(kind);
    event.org_id = org_.id;
    event.org_name = org_.name;
    event.actor.user_id = alice_.id;
    event.actor.login = "alice";
    event.stack_id = stack_.id;
    event.project = stack_.project;
    event.stack_name = stack_.name;
    event.time = clock_.NowSeconds();
    return event;
  }
  events::DomainEvent Completed(std::string result) {
    events::DomainEvent event = Event("stack-update-completed");
    event.fields = {{"updateID", "u1"},
                    {"kind", "update"},
                    {"dryRun", "false"},
                    {"version", "3"},
                    {"result", std::move(result)}};
    return event;
  }
  std::vector<WebhookJobRecord> ClaimAll() {
    return *store_->ClaimWebhookJobs(clock_.NowSeconds(), clock_.NowSeconds() + 60, 100);
  }

  int wakes_ = 0;
  std::unique_ptr<Enqueuer> enqueuer_;
};

TEST_F(EnqueuerTest, EnqueuesOneJobPerSelectedWebhookAfterCommit) {
  WebhookRecord all = AddHook("all");
  WebhookRecord failures = AddHook("failures");
  failures.filters = {"update_failed"};
  ASSERT_TRUE(store_->UpdateWebhook(failures).has_value());
  WebhookRecord on_stack = AddHook("on-stack", "", stack_.id);
  WebhookRecord slack = AddHook("slack");
  slack.format = "slack";
  ASSERT_TRUE(store_->UpdateWebhook(slack).has_value());
  WebhookRecord inactive = AddHook("inactive");
  inactive.active = false;
  ASSERT_TRUE(store_->UpdateWebhook(inactive).has_value());

  auto published = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(enqueuer_->Publish(Completed("succeeded")));
    EXPECT_EQ(wakes_, 0);  // not before the commit
    return {};
  });
  ASSERT_TRUE(published.has_value());
  EXPECT_EQ(wakes_, 1);

  auto jobs = ClaimAll();
  std::map<std::string, WebhookJobRecord> by_hook;
  for (auto& job : jobs) by_hook[job.webhook_id] = job;
  ASSERT_EQ(by_hook.size(), 3u);
  EXPECT_TRUE(by_hook.contains(all.id));
  EXPECT_TRUE(by_hook.contains(on_stack.id));
  EXPECT_TRUE(by_hook.contains(slack.id));
  EXPECT_EQ(by_hook[all.id].kind, "stack_update");
  EXPECT_EQ(by_hook[all.id].attempts, 0);
  EXPECT_NE(by_hook[all.id].payload.find(R"("result":"succeeded")"), std::string::npos);
  EXPECT_EQ(by_hook[all.id].payload, by_hook[on_stack.id].payload);
  EXPECT_NE(by_hook[slack.id].payload.find(R"("attachments")"), std::string::npos);
}

TEST_F(EnqueuerTest, StackCreatedGoesToOrganizationWebhooksOnly) {
  WebhookRecord org_hook = AddHook("org");
  AddHook("stack-hook", "", stack_.id);
  ASSERT_TRUE(enqueuer_->Publish(Event("stack-created")).has_value());
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].webhook_id, org_hook.id);
  EXPECT_EQ(jobs[0].kind, "stack");
  EXPECT_NE(jobs[0].payload.find(R"("action":"created")"), std::string::npos);
}

TEST_F(EnqueuerTest, RollbackDropsTheJobs) {
  AddHook("all");
  auto failed = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(enqueuer_->Publish(Completed("failed")));
    return Fail(Error::Internal("the change failed"));
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_EQ(Jobs(), 0);
  EXPECT_EQ(wakes_, 0);
}

TEST_F(EnqueuerTest, OtherEventsAndUnselectedHooksEnqueueNothing) {
  WebhookRecord hook = AddHook("previews");
  hook.filters = {"preview_failed"};
  ASSERT_TRUE(store_->UpdateWebhook(hook).has_value());
  ASSERT_TRUE(enqueuer_->Publish(Completed("succeeded")).has_value());
  ASSERT_TRUE(enqueuer_->Publish(Event("member-added")).has_value());
  ASSERT_TRUE(enqueuer_->Publish(Event("stack-update-started")).has_value());
  EXPECT_EQ(Jobs(), 0);
  EXPECT_EQ(wakes_, 0);
}

}  // namespace
}  // namespace statehouse::webhooks
