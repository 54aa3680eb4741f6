#include "webhooks/worker.h"

#include <spdlog/spdlog.h>

namespace statehouse::webhooks {

DeliveryWorker::DeliveryWorker(storage::WebhookStore& store, Deliverer& deliverer,
                               const Clock& clock, Random& random, WorkerOptions options)
    : store_(store), deliverer_(deliverer), clock_(clock), random_(random), options_(options) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

Result<int> DeliveryWorker::RunOnce() {
  const int64_t now = clock_.NowSeconds();
  SH_ASSIGN_OR_RETURN(auto jobs, store_.ClaimWebhookJobs(now, now + options_.claim_seconds,
                                                         std::max(1, options_.concurrency)));
  for (auto& job : jobs) Process(std::move(job));
  return static_cast<int>(jobs.size());
}

void DeliveryWorker::Process(storage::WebhookJobRecord job) {
  auto hook = store_.GetWebhookById(job.webhook_id);
  if (!hook && hook.error().code != ErrorCode::kNotFound) {
    spdlog::warn("webhooks: cannot load webhook {} for job {}: {} {}", job.webhook_id, job.id,
                 hook.error().message, hook.error().detail);
    return;  // the claim lapses and the job is tried again
  }
  Attempt attempt;
  storage::WebhookJobOutcome outcome;
  if (!hook) {
    // Deleted since it was claimed: the store drops the job and records nothing.
    attempt.record.webhook_id = job.webhook_id;
    outcome = storage::WebhookJobOutcome::kGiveUp;
  } else if (!hook->active) {
    storage::WebhookDeliveryRecord& record = attempt.record;
    record.id = random_.Uuid();
    record.webhook_id = hook->id;
    record.job_id = job.id;
    record.kind = job.kind;
    record.payload = job.payload;
    record.timestamp = clock_.NowSeconds();
    record.request_url = hook->payload_url;
    record.response_body = "not sent: the webhook is inactive";
    outcome = storage::WebhookJobOutcome::kGiveUp;
  } else {
    attempt = deliverer_.Deliver(*hook, job.kind, job.payload, job.id, &stopping_);
    if (attempt.cancelled) return;
    const int failed = job.attempts + 1;
    if (attempt.delivered) {
      outcome = storage::WebhookJobOutcome::kDone;
    } else if (failed >= options_.retry.max_attempts) {
      outcome = storage::WebhookJobOutcome::kGiveUp;
      spdlog::warn("webhooks: giving up on {} event for webhook '{}' after {} attempts (last: {})",
                   job.kind, hook->name, failed,
                   attempt.record.response_code != 0
                       ? "HTTP " + std::to_string(attempt.record.response_code)
                       : attempt.record.response_body.substr(0, 200));
    } else {
      outcome = storage::WebhookJobOutcome::kRetry;
      job.next_attempt_at =
          clock_.NowSeconds() + RetryDelayMs(options_.retry, failed, random_) / 1000;
    }
  }
  auto finished =
      store_.FinishWebhookAttempt(job, outcome, attempt.record, options_.keep_deliveries);
  if (!finished) {
    spdlog::warn("webhooks: cannot record the attempt of job {}: {} {}", job.id,
                 finished.error().message, finished.error().detail);
  }
}

void DeliveryWorker::Start() {
  std::lock_guard lock(mu_);
  if (dispatcher_.joinable() || stopping_) return;
  const int n = std::max(1, options_.concurrency);
  in_flight_ = 0;
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { DeliveryLoop(); });
  dispatcher_ = std::thread([this] { DispatchLoop(); });
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_pending_ = true;
  }
  dispatch_cv_.notify_one();
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  dispatch_cv_.notify_all();
  work_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void DeliveryWorker::DispatchLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int concurrency = std::max(1, options_.concurrency);
    dispatch_cv_.wait(lock, [&] { return stopping_ || in_flight_ <= concurrency; });
    if (stopping_) break;
    const int want = 2 * concurrency - in_flight_;
    wake_pending_ = false;
    lock.unlock();
    const int64_t now = clock_.NowSeconds();
    auto jobs = store_.ClaimWebhookJobs(now, now + options_.claim_seconds, want);
    lock.lock();
    if (!jobs) {
      spdlog::warn("webhooks: cannot claim jobs: {} {}", jobs.error().message, jobs.error().detail);
      dispatch_cv_.wait_for(lock, options_.poll_interval, [&] { return stopping_.load(); });
      continue;
    }
    for (auto& job : *jobs) queue_.push_back(std::move(job));
    in_flight_ += static_cast<int>(jobs->size());
    if (!jobs->empty()) work_cv_.notify_all();
    if (static_cast<int>(jobs->size()) < want) {
      dispatch_cv_.wait_for(lock, options_.poll_interval,
                            [&] { return stopping_ || wake_pending_; });
    }
  }
}

void DeliveryWorker::DeliveryLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;  // queued jobs keep their claims until the lease lapses
    storage::WebhookJobRecord job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Process(std::move(job));
    lock.lock();
    --in_flight_;
    if (in_flight_ <= std::max(1, options_.concurrency)) {
      wake_pending_ = true;  // refill; a retry may also be due at once
      dispatch_cv_.notify_one();
    }
  }
}

}  // namespace statehouse::webhooks
