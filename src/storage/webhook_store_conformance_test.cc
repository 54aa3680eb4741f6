// Conformance suite for storage::WebhookStore. Uses only the abstract
// interface; every backend in ConformanceBackends() runs it unchanged.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "storage/conformance_fixture.h"

namespace statehouse::storage {
namespace {

class WebhookStoreConformanceTest : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    acme_ = AddUser("acme");
    zeta_ = AddUser("zeta");
    web_ = MakeStack("s-web", acme_, "site", "web");
    api_ = MakeStack("s-api", acme_, "site", "api");
    SH_ASSERT_OK(store_->CreateStack(web_, std::nullopt));
    SH_ASSERT_OK(store_->CreateStack(api_, std::nullopt));
  }

  static WebhookRecord Hook(const std::string& id, const OrgRecord& org, const std::string& name,
                            const std::string& stack_id = "") {
    WebhookRecord hook;
    hook.id = id;
    hook.org_id = org.id;
    hook.stack_id = stack_id;
    hook.name = name;
    hook.display_name = "Display " + name;
    hook.payload_url = "https://example.com/hooks/" + name;
    hook.created = kT0 + 100;
    return hook;
  }

  WebhookRecord Create(const std::string& id, const OrgRecord& org, const std::string& name,
                       const std::string& stack_id = "") {
    WebhookRecord hook = Hook(id, org, name, stack_id);
    SH_EXPECT_OK(store_->CreateWebhook(hook));
    return hook;
  }

  static WebhookJobRecord Job(const std::string& id, const std::string& webhook_id, int64_t due,
                              int64_t created = kT0) {
    WebhookJobRecord job;
    job.id = id;
    job.webhook_id = webhook_id;
    job.kind = "stack_update";
    job.payload = R"({"job":")" + id +
                  R"(","note":"caf\u00e9 )"
                  "\xF0\x9F\x8D\xB9"
                  R"("})";
    job.next_attempt_at = due;
    job.created = created;
    return job;
  }

  static WebhookDeliveryRecord Delivery(const std::string& id, const std::string& webhook_id,
                                        int64_t timestamp, const std::string& job_id = "") {
    WebhookDeliveryRecord d;
    d.id = id;
    d.webhook_id = webhook_id;
    d.job_id = job_id;
    d.kind = "ping";
    d.payload = R"({"timestamp":1,"message":")"
                "\xF0\x9F\x8D\xB9"
                R"("})";
    d.timestamp = timestamp;
    d.duration_ms = 12;
    d.request_url = "https://example.com/hook";
    d.request_headers = "Content-Type: application/json\r\nPulumi-Webhook-Id: " + id + "\r\n";
    d.response_code = 204;
    d.response_headers = "Server: test\r\n";
    d.response_body = "ok \xC3\xA9";
    return d;
  }

  std::vector<std::string> Names(const std::vector<WebhookRecord>& hooks) {
    std::vector<std::string> names;
    for (const auto& h : hooks) names.push_back(h.name);
    return names;
  }

  std::vector<std::string> DeliveryIds(const std::string& webhook_id, int limit = 100) {
    auto list = store_->ListWebhookDeliveries(webhook_id, limit);
    EXPECT_TRUE(list.has_value()) << ErrorText(list);
    std::vector<std::string> ids;
    if (list) {
      for (const auto& d : *list) ids.push_back(d.id);
    }
    return ids;
  }

  std::vector<std::string> Claim(int64_t now, int64_t until, int limit) {
    auto jobs = store_->ClaimWebhookJobs(now, until, limit);
    EXPECT_TRUE(jobs.has_value()) << ErrorText(jobs);
    std::vector<std::string> ids;
    if (jobs) {
      for (const auto& j : *jobs) ids.push_back(j.id);
    }
    return ids;
  }

  int64_t Jobs() {
    auto count = store_->CountWebhookJobs();
    EXPECT_TRUE(count.has_value()) << ErrorText(count);
    return count.value_or(-1);
  }

  OrgRecord acme_, zeta_;
  StackRecord web_, api_;
};

using Strings = std::vector<std::string>;

TEST_P(WebhookStoreConformanceTest, CreateGetAndListRoundTripEveryField) {
  WebhookRecord hook = Hook("h-1", acme_, "deploys");
  hook.active = false;
  hook.format = "slack";
  hook.filters = {"update_failed", "stack_created"};
  hook.groups = {"stacks"};
  hook.secret_ciphertext = "c2VhbGVk";
  SH_ASSERT_OK(store_->CreateWebhook(hook));

  for (auto got : {store_->GetWebhook(acme_.id, "", "deploys"), store_->GetWebhookById("h-1")}) {
    ASSERT_TRUE(got.has_value()) << ErrorText(got);
    EXPECT_EQ(got->id, "h-1");
    EXPECT_EQ(got->org_id, acme_.id);
    EXPECT_EQ(got->stack_id, "");
    EXPECT_EQ(got->name, "deploys");
    EXPECT_EQ(got->display_name, "Display deploys");
    EXPECT_EQ(got->payload_url, "https://example.com/hooks/deploys");
    EXPECT_FALSE(got->active);
    EXPECT_EQ(got->format, "slack");
    EXPECT_EQ(got->filters, (Strings{"update_failed", "stack_created"}));
    EXPECT_EQ(got->groups, (Strings{"stacks"}));
    EXPECT_EQ(got->secret_ciphertext, "c2VhbGVk");
    EXPECT_EQ(got->created, kT0 + 100);
  }
  SH_EXPECT_ERROR(store_->GetWebhook(acme_.id, "", "Deploys"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetWebhook(zeta_.id, "", "deploys"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetWebhook(acme_.id, web_.id, "deploys"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetWebhookById("h-missing"), ErrorCode::kNotFound);

  Create("h-2", acme_, "alpha");
  Create("h-3", acme_, "zulu");
  Create("h-4", acme_, "stacky", web_.id);
  Create("h-5", zeta_, "other");
  auto org_hooks = store_->ListWebhooks(acme_.id, "");
  ASSERT_TRUE(org_hooks.has_value()) << ErrorText(org_hooks);
  EXPECT_EQ(Names(*org_hooks), (Strings{"alpha", "deploys", "zulu"}));
  EXPECT_EQ(Names(*store_->ListWebhooks(acme_.id, web_.id)), (Strings{"stacky"}));
  EXPECT_TRUE(store_->ListWebhooks(acme_.id, api_.id)->empty());
  EXPECT_EQ(Names(*store_->ListWebhooks(zeta_.id, "")), (Strings{"other"}));
  EXPECT_EQ(store_->GetWebhook(acme_.id, web_.id, "stacky")->stack_id, web_.id);
}

TEST_P(WebhookStoreConformanceTest, NamesAreUniquePerScopeAndCaseSensitive) {
  Create("h-1", acme_, "hook");
  SH_EXPECT_ERROR(store_->CreateWebhook(Hook("h-2", acme_, "hook")), ErrorCode::kAlreadyExists);
  SH_EXPECT_OK(store_->CreateWebhook(Hook("h-3", acme_, "Hook")));
  SH_EXPECT_OK(store_->CreateWebhook(Hook("h-4", acme_, "hook", web_.id)));
  SH_EXPECT_OK(store_->CreateWebhook(Hook("h-5", acme_, "hook", api_.id)));
  SH_EXPECT_OK(store_->CreateWebhook(Hook("h-6", zeta_, "hook")));
  SH_EXPECT_ERROR(store_->CreateWebhook(Hook("h-7", acme_, "hook", web_.id)),
                  ErrorCode::kAlreadyExists);
  SH_EXPECT_ERROR(store_->CreateWebhook(Hook("h-1", acme_, "fresh")), ErrorCode::kAlreadyExists);

  // Update replaces the fields; renaming onto a taken name fails.
  WebhookRecord renamed = *store_->GetWebhookById("h-3");
  renamed.name = "hook";
  SH_EXPECT_ERROR(store_->UpdateWebhook(renamed), ErrorCode::kAlreadyExists);
  renamed.name = "renamed";
  renamed.display_name = "New";
  renamed.payload_url = "http://example.org/x";
  renamed.active = false;
  renamed.format = "ms_teams";
  renamed.filters = {"preview_failed"};
  renamed.groups = {"deployments", "stacks"};
  renamed.secret_ciphertext = "";
  SH_ASSERT_OK(store_->UpdateWebhook(renamed));
  auto got = store_->GetWebhook(acme_.id, "", "renamed");
  ASSERT_TRUE(got.has_value()) << ErrorText(got);
  EXPECT_EQ(got->id, "h-3");
  EXPECT_EQ(got->display_name, "New");
  EXPECT_EQ(got->payload_url, "http://example.org/x");
  EXPECT_FALSE(got->active);
  EXPECT_EQ(got->format, "ms_teams");
  EXPECT_EQ(got->filters, (Strings{"preview_failed"}));
  EXPECT_EQ(got->groups, (Strings{"deployments", "stacks"}));
  SH_EXPECT_ERROR(store_->GetWebhook(acme_.id, "", "Hook"), ErrorCode::kNotFound);

  WebhookRecord stack_rename = *store_->GetWebhookById("h-5");
  stack_rename.name = "hook-2";
  SH_EXPECT_OK(store_->UpdateWebhook(stack_rename));
  stack_rename.name = "hook";  // free again in the api stack
  SH_EXPECT_OK(store_->UpdateWebhook(stack_rename));

  SH_EXPECT_ERROR(store_->UpdateWebhook(Hook("h-missing", acme_, "x")), ErrorCode::kNotFound);
}

TEST_P(WebhookStoreConformanceTest, EventsReachActiveOrgHooksAndTheStacksOwn) {
  Create("h-org", acme_, "org");
  WebhookRecord paused = Hook("h-paused", acme_, "paused");
  paused.active = false;
  SH_ASSERT_OK(store_->CreateWebhook(paused));
  Create("h-web", acme_, "web", web_.id);
  Create("h-api", acme_, "api", api_.id);
  Create("h-zeta", zeta_, "zeta");

  auto ids = [](const Result<std::vector<WebhookRecord>>& hooks) {
    std::set<std::string> out;
    if (hooks) {
      for (const auto& h : *hooks) out.insert(h.id);
    }
    return out;
  };
  auto for_web = store_->ListWebhooksForEvent(acme_.id, web_.id);
  ASSERT_TRUE(for_web.has_value()) << ErrorText(for_web);
  EXPECT_EQ(ids(for_web), (std::set<std::string>{"h-org", "h-web"}));
  EXPECT_EQ(ids(store_->ListWebhooksForEvent(acme_.id, api_.id)),
            (std::set<std::string>{"h-org", "h-api"}));
  EXPECT_EQ(ids(store_->ListWebhooksForEvent(acme_.id, "")), (std::set<std::string>{"h-org"}));
  EXPECT_EQ(ids(store_->ListWebhooksForEvent(zeta_.id, "")), (std::set<std::string>{"h-zeta"}));
  for (const auto& h : *for_web) EXPECT_TRUE(h.active);
}

TEST_P(WebhookStoreConformanceTest, ClaimsDueJobsOldestFirstAndHidesClaimedOnes) {
  Create("h-1", acme_, "one");
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-late", "h-1", kT0 + 50, kT0)));
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-b", "h-1", kT0, kT0 + 2)));
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-a", "h-1", kT0, kT0 + 1)));
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-early", "h-1", kT0 - 10, kT0 + 3)));
  EXPECT_EQ(Jobs(), 4);

  auto first = store_->ClaimWebhookJobs(kT0, kT0 + 30, 2);
  ASSERT_TRUE(first.has_value()) << ErrorText(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, "j-early");
  EXPECT_EQ((*first)[1].id, "j-a");
  const WebhookJobRecord& job = (*first)[1];
  EXPECT_EQ(job.webhook_id, "h-1");
  EXPECT_EQ(job.kind, "stack_update");
  EXPECT_EQ(job.payload, Job("j-a", "h-1", 0).payload);
  EXPECT_EQ(job.attempts, 0);
  EXPECT_EQ(job.next_attempt_at, kT0);
  EXPECT_EQ(job.created, kT0 + 1);

  EXPECT_EQ(Claim(kT0, kT0 + 30, 10), (Strings{"j-b"}));  // the rest that is due
  EXPECT_TRUE(Claim(kT0 + 29, kT0 + 60, 10).empty());     // claims still live
  EXPECT_EQ(Jobs(), 4);                                   // claimed jobs stay queued
  // The claims lapse at kT0 + 30; j-late is due at kT0 + 50.
  EXPECT_EQ(Claim(kT0 + 30, kT0 + 60, 10), (Strings{"j-early", "j-a", "j-b"}));
  EXPECT_EQ(Claim(kT0 + 60, kT0 + 90, 10), (Strings{"j-early", "j-a", "j-b", "j-late"}));
  EXPECT_TRUE(Claim(kT0 + 60, kT0 + 90, 0).empty());
}

TEST_P(WebhookStoreConformanceTest, ConcurrentClaimersNeverShareAJob) {
  Create("h-1", acme_, "one");
  constexpr int kJobs = 120;
  for (int i = 0; i < kJobs; ++i) {
    SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-" + std::to_string(i), "h-1", kT0, kT0 + i)));
  }
  std::mutex mu;
  std::vector<std::string> claimed;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 1000; ++round) {
        auto jobs = store_->ClaimWebhookJobs(kT0, kT0 + 600, 7);
        if (!jobs) {
          if (jobs.error().code != ErrorCode::kUnavailable) failures.fetch_add(1);
          continue;
        }
        if (jobs->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& j : *jobs) claimed.push_back(j.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(),
            static_cast<size_t>(kJobs));
}

TEST_P(WebhookStoreConformanceTest, FinishingAnAttemptSettlesTheJob) {
  Create("h-1", acme_, "one");
  for (const char* id : {"j-done", "j-retry", "j-give-up"}) {
    SH_ASSERT_OK(store_->EnqueueWebhookJob(Job(id, "h-1", kT0)));
  }
  auto jobs = store_->ClaimWebhookJobs(kT0, kT0 + 30, 10);
  ASSERT_TRUE(jobs.has_value()) << ErrorText(jobs);
  ASSERT_EQ(jobs->size(), 3u);
  std::map<std::string, WebhookJobRecord> by_id;
  for (const auto& j : *jobs) by_id[j.id] = j;

  SH_ASSERT_OK(store_->FinishWebhookAttempt(by_id["j-done"], WebhookJobOutcome::kDone,
                                            Delivery("d-1", "h-1", kT0, "j-done"), 100));
  EXPECT_EQ(Jobs(), 2);

  WebhookJobRecord retry = by_id["j-retry"];
  retry.next_attempt_at = kT0 + 20;  // the caller's backoff; attempts is still the old count
  SH_ASSERT_OK(store_->FinishWebhookAttempt(retry, WebhookJobOutcome::kRetry,
                                            Delivery("d-2", "h-1", kT0 + 1, "j-retry"), 100));
  EXPECT_EQ(Jobs(), 2);
  EXPECT_TRUE(Claim(kT0 + 19, kT0 + 25, 10).empty());  // claim released, not due yet
  auto again = store_->ClaimWebhookJobs(kT0 + 20, kT0 + 50, 10);
  ASSERT_TRUE(again.has_value()) << ErrorText(again);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, "j-retry");
  EXPECT_EQ((*again)[0].attempts, 1);
  EXPECT_EQ((*again)[0].next_attempt_at, kT0 + 20);
  EXPECT_EQ((*again)[0].payload, retry.payload);

  SH_ASSERT_OK(store_->FinishWebhookAttempt(by_id["j-give-up"], WebhookJobOutcome::kGiveUp,
                                            Delivery("d-3", "h-1", kT0 + 2, "j-give-up"), 100));
  EXPECT_EQ(Jobs(), 1);

  EXPECT_EQ(DeliveryIds("h-1"), (Strings{"d-3", "d-2", "d-1"}));
  auto record = store_->GetWebhookDelivery("h-1", "d-2");
  ASSERT_TRUE(record.has_value()) << ErrorText(record);
  const WebhookDeliveryRecord expected = Delivery("d-2", "h-1", kT0 + 1, "j-retry");
  EXPECT_EQ(record->id, expected.id);
  EXPECT_EQ(record->webhook_id, "h-1");
  EXPECT_EQ(record->job_id, "j-retry");
  EXPECT_EQ(record->kind, expected.kind);
  EXPECT_EQ(record->payload, expected.payload);
  EXPECT_EQ(record->timestamp, kT0 + 1);
  EXPECT_EQ(record->duration_ms, 12);
  EXPECT_EQ(record->request_url, expected.request_url);
  EXPECT_EQ(record->request_headers, expected.request_headers);
  EXPECT_EQ(record->response_code, 204);
  EXPECT_EQ(record->response_headers, expected.response_headers);
  EXPECT_EQ(record->response_body, expected.response_body);
  SH_EXPECT_ERROR(store_->GetWebhookDelivery("h-1", "d-missing"), ErrorCode::kNotFound);
}

TEST_P(WebhookStoreConformanceTest, KeepsOnlyTheNewestDeliveries) {
  Create("h-1", acme_, "one");
  Create("h-2", acme_, "two");
  SH_ASSERT_OK(store_->AddWebhookDelivery(Delivery("d-other", "h-2", kT0), 2));
  // Same timestamp: later insertion counts as newer.
  SH_ASSERT_OK(store_->AddWebhookDelivery(Delivery("d-1", "h-1", kT0 + 5), 3));
  SH_ASSERT_OK(store_->AddWebhookDelivery(Delivery("d-2", "h-1", kT0 + 5), 3));
  SH_ASSERT_OK(store_->AddWebhookDelivery(Delivery("d-3", "h-1", kT0 + 9), 3));
  EXPECT_EQ(DeliveryIds("h-1"), (Strings{"d-3", "d-2", "d-1"}));
  // An older timestamp is the first to go even when inserted last.
  SH_ASSERT_OK(store_->AddWebhookDelivery(Delivery("d-old", "h-1", kT0 + 1), 3));
  EXPECT_EQ(DeliveryIds("h-1"), (Strings{"d-3", "d-2", "d-1"}));
  SH_ASSERT_OK(store_->AddWebhookDelivery(Delivery("d-4", "h-1", kT0 + 10), 3));
  EXPECT_EQ(DeliveryIds("h-1"), (Strings{"d-4", "d-3", "d-2"}));
  EXPECT_EQ(DeliveryIds("h-1", 2), (Strings{"d-4", "d-3"}));
  SH_EXPECT_ERROR(store_->GetWebhookDelivery("h-1", "d-1"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetWebhookDelivery("h-1", "d-other"), ErrorCode::kNotFound);

  // FinishWebhookAttempt trims the same way.
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-1", "h-1", kT0)));
  SH_ASSERT_OK(store_->FinishWebhookAttempt(Job("j-1", "h-1", kT0), WebhookJobOutcome::kDone,
                                            Delivery("d-5", "h-1", kT0 + 11, "j-1"), 3));
  EXPECT_EQ(DeliveryIds("h-1"), (Strings{"d-5", "d-4", "d-3"}));
  EXPECT_EQ(DeliveryIds("h-2"), (Strings{"d-other"}));
}

TEST_P(WebhookStoreConformanceTest, DeletingAWebhookTakesItsJobsAndDeliveries) {
  Create("h-1", acme_, "one");
  Create("h-2", acme_, "two");
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-1", "h-1", kT0)));
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-2", "h-2", kT0)));
  SH_ASSERT_OK(store_->AddWebhookDelivery(Delivery("d-1", "h-1", kT0), 100));
  auto claimed = store_->ClaimWebhookJobs(kT0, kT0 + 30, 10);
  ASSERT_TRUE(claimed.has_value()) << ErrorText(claimed);

  SH_ASSERT_OK(store_->DeleteWebhook("h-1"));
  EXPECT_EQ(Jobs(), 1);
  SH_EXPECT_ERROR(store_->GetWebhookById("h-1"), ErrorCode::kNotFound);
  SH_EXPECT_ERROR(store_->GetWebhookDelivery("h-1", "d-1"), ErrorCode::kNotFound);
  EXPECT_TRUE(DeliveryIds("h-1").empty());
  SH_EXPECT_ERROR(store_->DeleteWebhook("h-1"), ErrorCode::kNotFound);

  // A worker finishing a job of the deleted webhook records nothing.
  SH_EXPECT_OK(store_->FinishWebhookAttempt(Job("j-1", "h-1", kT0), WebhookJobOutcome::kRetry,
                                            Delivery("d-late", "h-1", kT0 + 1, "j-1"), 100));
  SH_EXPECT_OK(store_->FinishWebhookAttempt(Job("j-1", "h-1", kT0), WebhookJobOutcome::kDone,
                                            Delivery("d-late2", "h-1", kT0 + 1, "j-1"), 100));
  EXPECT_EQ(Jobs(), 1);
  EXPECT_TRUE(DeliveryIds("h-1").empty());
  EXPECT_EQ(Claim(kT0 + 30, kT0 + 60, 10), (Strings{"j-2"}));
}

TEST_P(WebhookStoreConformanceTest, DeletingAStackTakesItsWebhooks) {
  Create("h-org", acme_, "org");
  Create("h-web", acme_, "web", web_.id);
  SH_ASSERT_OK(store_->EnqueueWebhookJob(Job("j-web", "h-web", kT0)));
  SH_ASSERT_OK(store_->DeleteStack(web_.id));
  SH_EXPECT_ERROR(store_->GetWebhookById("h-web"), ErrorCode::kNotFound);
  SH_EXPECT_OK(store_->GetWebhookById("h-org"));
  EXPECT_EQ(Jobs(), 0);
}

TEST_P(WebhookStoreConformanceTest, StackWebhooksFollowTheirStackToAnotherOrg) {
  Create("h-web", acme_, "web-hook", web_.id);
  Create("h-acme", acme_, "acme-hook");
  Create("h-zeta", zeta_, "zeta-hook");
  SH_ASSERT_OK(store_->MoveStack(web_.id, zeta_.id, web_.project, web_.name, std::nullopt));

  auto got = store_->GetWebhook(zeta_.id, web_.id, "web-hook");
  ASSERT_TRUE(got.has_value()) << ErrorText(got);
  EXPECT_EQ(got->id, "h-web");
  auto listed = store_->ListWebhooks(zeta_.id, web_.id);
  ASSERT_TRUE(listed.has_value()) << ErrorText(listed);
  EXPECT_EQ(Names(*listed), (Strings{"web-hook"}));
  auto for_event = store_->ListWebhooksForEvent(zeta_.id, web_.id);
  ASSERT_TRUE(for_event.has_value()) << ErrorText(for_event);
  std::set<std::string> ids;
  for (const auto& h : *for_event) ids.insert(h.id);
  EXPECT_EQ(ids, (std::set<std::string>{"h-web", "h-zeta"}));
  // Still one name space per stack.
  SH_EXPECT_ERROR(store_->CreateWebhook(Hook("h-dup", zeta_, "web-hook", web_.id)),
                  ErrorCode::kAlreadyExists);
  EXPECT_EQ(Names(*store_->ListWebhooks(acme_.id, "")), (Strings{"acme-hook"}));
}

TEST_P(WebhookStoreConformanceTest, JobsJoinTheCallersTransaction) {
  Create("h-1", acme_, "one");
  auto rolled_back = store_->RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_->EnqueueWebhookJob(Job("j-1", "h-1", kT0)));
    return Fail(Error::Internal("the change failed"));
  });
  EXPECT_FALSE(rolled_back.has_value());
  EXPECT_EQ(Jobs(), 0);
  SH_ASSERT_OK(store_->RunInTransaction(
      [&]() -> Result<void> { return store_->EnqueueWebhookJob(Job("j-2", "h-1", kT0)); }));
  EXPECT_EQ(Jobs(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhookStoreConformanceTest,
                         ::testing::ValuesIn(ConformanceBackends()), FactoryName);

}  // namespace
}  // namespace statehouse::storage
