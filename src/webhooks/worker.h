#pragma once

// The delivery worker: drains the webhook job queue kept in the store.
//
// A dispatcher thread claims due jobs (WebhookStore::ClaimWebhookJobs) in
// batches and queues them for `concurrency` delivery threads, keeping at most
// 2 × concurrency jobs claimed (in flight or queued) and refilling when half
// of them are done. A slow receiver holds one thread; a queued job waits at
// most one attempt timeout for a thread, so a claim lease of more than twice
// the timeout covers the wait and the attempt. Each attempt
// is recorded with the job's outcome in one store transaction
// (FinishWebhookAttempt): a 2xx answer completes the job; a failure is
// retried after RetryPolicy's backoff until max_attempts attempts were made.
// A job of a webhook that was made inactive is dropped with a record saying
// so. The queue lives in the database: jobs claimed by a process that dies
// become claimable again when their claim lapses, so every job is attempted
// until it succeeds or is given up, at least once (a crash right after a
// receiver answered can repeat that delivery).
//
// The dispatcher polls the store every `poll_interval` and whenever Wake()
// is called (the enqueuer calls it after a transaction with new jobs
// commits). Never runs on API request threads. Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "storage/webhook_store.h"
#include "webhooks/deliverer.h"
#include "webhooks/retry_policy.h"

namespace statehouse::webhooks {

// Delivery records kept per webhook (newest first).
inline constexpr int kKeepDeliveries = 100;

struct WorkerOptions {
  RetryPolicy retry;
  int concurrency = 4;
  int keep_deliveries = kKeepDeliveries;
  // How long a claim holds a job; must exceed twice one attempt's timeout.
  int64_t claim_seconds = 25;
  std::chrono::milliseconds poll_interval{1000};
};

class DeliveryWorker {
 public:
  DeliveryWorker(storage::WebhookStore& store, Deliverer& deliverer, const Clock& clock,
                 Random& random, WorkerOptions options);
  ~DeliveryWorker();  // Stop()
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Claims up to `concurrency` due jobs and attempts each once on the
  // calling thread; returns how many were attempted. For tests and
  // benchmarks; do not combine with Start().
  Result<int> RunOnce();

  // Starts the dispatcher and delivery threads. Call at most once.
  void Start();
  // Makes the dispatcher look for due jobs now.
  void Wake();
  // Ends every thread promptly: attempts in flight are abandoned (their
  // jobs stay claimed until the lease lapses, then are retried). Idempotent.
  void Stop();

 private:
  // Attempts `job` once and settles it in the store.
  void Process(storage::WebhookJobRecord job);
  void DispatchLoop();
  void DeliveryLoop();

  storage::WebhookStore& store_;
  Deliverer& deliverer_;
  const Clock& clock_;
  Random& random_;
  const WorkerOptions options_;

  std::mutex mu_;
  std::condition_variable dispatch_cv_;  // idle threads, wake-ups, stop
  std::condition_variable work_cv_;      // queued jobs, stop
  std::deque<storage::WebhookJobRecord> queue_;
  int in_flight_ = 0;  // claimed jobs queued or being attempted
  bool wake_pending_ = false;
  std::atomic<bool> stopping_{false};
  std::thread dispatcher_;
  std::vector<std::thread> threads_;
};

}  // namespace statehouse::webhooks
