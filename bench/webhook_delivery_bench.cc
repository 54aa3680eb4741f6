// Webhook delivery throughput: the DeliveryWorker drains N queued jobs kept
// in the store by posting them with libcurl (signed, keep-alive) to an
// in-process loopback receiver that answers 200 at once; every attempt is
// recorded with its job's outcome in one transaction, as in the server.
// Reports deliveries/s.
//   BM_WebhookDelivery/<jobs>/<threads>           SQLite (WAL, synchronous=FULL)
//   BM_WebhookDelivery/Postgres/<jobs>/<threads>  PostgreSQL on a fresh database
//                                                 of STATEHOUSE_BENCH_PG (skipped if unset)
// Run: build/statehouse_bench --benchmark_filter=WebhookDelivery
//      bench/run-micro-bench-postgres.sh build WebhookDelivery
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <thread>

#include "../test/integration/webhook_receiver.h"
#include "bench_backend.h"
#include "crypto/crypto.h"
#include "webhooks/curl_poster.h"
#include "webhooks/deliverer.h"
#include "webhooks/signature.h"
#include "webhooks/worker.h"

namespace statehouse {
namespace {

// A stack_update body as the enqueuer renders it (raw format).
std::string Payload(int i) {
  return R"({"organization":{"name":"acme","githubLogin":"acme","avatarUrl":""},)"
         R"("user":{"name":"Alice","githubLogin":"alice","avatarUrl":""},)"
         R"("projectName":"website","stackName":"prod",)"
         R"("updateUrl":"http://127.0.0.1:8080/acme/website/prod/updates/)" +
         std::to_string(i) +
         R"(","kind":"update","result":"succeeded","resourceChanges":{"create":2,"same":7},)"
         R"("isPreview":false})";
}

// Args: jobs per iteration, delivery threads.
void BM_WebhookDelivery(benchmark::State& state, bench::Backend backend) {
  const int jobs = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  auto db = bench::BenchDatabase::Open(backend, /*pool_size=*/threads + 2);
  if (!db) {
    state.SkipWithError(bench::Describe(db.error()).c_str());
    return;
  }
  storage::Store& store = (*db)->store();
  SystemClock clock;
  crypto::OpenSslRandom random;
  testing::WebhookReceiver receiver(0, /*record=*/false);
  if (!receiver.ok()) {
    state.SkipWithError("cannot start the receiver");
    return;
  }

  const std::string master_key(32, 'k');
  storage::UserRecord user{"user-1", "alice", "Alice", "", false, clock.NowSeconds()};
  storage::OrgRecord org{"org-1", "acme", clock.NowSeconds(), 0};
  if (auto created = store.CreateUserWithPersonalOrg(user, org, std::nullopt, ""); !created) {
    state.SkipWithError(bench::Describe(created.error()).c_str());
    return;
  }
  storage::WebhookRecord hook;
  hook.id = "hook-1";
  hook.org_id = org.id;
  hook.name = "bench";
  hook.display_name = "bench";
  hook.payload_url = receiver.Url();
  hook.secret_ciphertext = *webhooks::SealSecret(master_key, hook.id, "bench-secret", random);
  hook.created = clock.NowSeconds();
  if (auto created = store.CreateWebhook(hook); !created) {
    state.SkipWithError(bench::Describe(created.error()).c_str());
    return;
  }

  webhooks::CurlPoster poster(webhooks::AddressPolicy(*webhooks::ParseCidrList("127.0.0.0/8")));
  webhooks::Deliverer deliverer(poster, clock, random, master_key, std::chrono::seconds(10));
  webhooks::WorkerOptions worker_options;
  worker_options.concurrency = threads;

  int64_t delivered = 0;
  int next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto enqueued = store.RunInTransaction([&]() -> Result<void> {
      for (int i = 0; i < jobs; ++i) {
        storage::WebhookJobRecord job;
        job.id = random.Uuid();
        job.webhook_id = hook.id;
        job.kind = "stack_update";
        job.payload = Payload(next++);
        job.next_attempt_at = clock.NowSeconds();
        job.created = clock.NowSeconds();
        SH_TRY(store.EnqueueWebhookJob(job));
      }
      return {};
    });
    if (!enqueued) {
      state.SkipWithError(bench::Describe(enqueued.error()).c_str());
      break;
    }
    const size_t received_before = receiver.Count();
    webhooks::DeliveryWorker worker(store, deliverer, clock, random, worker_options);
    worker.Start();
    state.ResumeTiming();

    worker.Wake();
    for (;;) {
      auto left = store.CountWebhookJobs();
      if (!left || *left == 0) break;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }

    state.PauseTiming();
    worker.Stop();
    delivered += static_cast<int64_t>(receiver.Count() - received_before);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(delivered);
  state.counters["deliveries/s"] =
      benchmark::Counter(static_cast<double>(delivered), benchmark::Counter::kIsRate);
  receiver.Stop();
}

// SQLite under the plain name (the one bench/README.md quotes).
void BM_WebhookDelivery(benchmark::State& state) {
  BM_WebhookDelivery(state, bench::Backend::kSqlite);
}
BENCHMARK(BM_WebhookDelivery)
    ->Args({2000, 1})
    ->Args({2000, 4})
    ->Args({2000, 8})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_WebhookDelivery, Postgres, bench::Backend::kPostgres)
    ->Args({2000, 1})
    ->Args({2000, 4})
    ->Args({2000, 8})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace statehouse
