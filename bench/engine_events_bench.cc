// Engine-event ingest through EngineEventService: batches of 50 events as the
// CLI sends them, and of 500. Reports events/s.
//   BM_EngineEventIngest/<batch>           SQLite store (WAL, synchronous=FULL)
//   BM_EngineEventIngest/Postgres/<batch>  PostgreSQL store on a fresh database
//                                          of STATEHOUSE_BENCH_PG (skipped if unset)
// Run: build/statehouse_bench --benchmark_filter=EngineEvent
//      bench/run-micro-bench-postgres.sh build EngineEvent
#include <benchmark/benchmark.h>

#include <string>

#include "bench_backend.h"
#include "engine_events/service.h"

namespace statehouse {
namespace {

class ManualClock final : public Clock {
 public:
  int64_t NowSeconds() const override { return 1'787'306'400; }
};

std::string EventJson(int64_t sequence) {
  if (sequence % 3 == 1) {
    return R"({"sequence":)" + std::to_string(sequence) +
           R"(,"timestamp":1787306402,"resOutputsEvent":{"metadata":{"op":"create","urn":"urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet)" +
           std::to_string(sequence) +
           R"(","type":"random:index/randomPet:RandomPet","old":null,"new":{"type":"random:index/randomPet:RandomPet","urn":"u","id":"pet-1","parent":"","inputs":{"length":2},"outputs":{"id":"pet-1"},"provider":""},"detailedDiff":null,"provider":""}}})";
  }
  return R"({"sequence":)" + std::to_string(sequence) +
         R"(,"timestamp":1787306401,"diagnosticEvent":{"message":"progress line for step )" +
         std::to_string(sequence) + R"(\n","color":"raw","severity":"info"}})";
}

// Arg: events per batch.
void BM_EngineEventIngest(benchmark::State& state, bench::Backend backend) {
  const int batch_size = static_cast<int>(state.range(0));
  auto db = bench::BenchDatabase::Open(backend, /*pool_size=*/4);
  if (!db) {
    state.SkipWithError(bench::Describe(db.error()).c_str());
    return;
  }
  storage::Store& store = (*db)->store();
  ManualClock clock;
  storage::UserRecord user{"user-1", "bench", "bench", "", false, clock.NowSeconds()};
  storage::OrgRecord org{"org-1", "bench", clock.NowSeconds(), 0};
  auto setup = store.CreateUserWithPersonalOrg(user, org, std::nullopt, "");
  storage::StackRecord stack;
  stack.id = "stack-1";
  stack.org_id = org.id;
  stack.project = "proj";
  stack.name = "dev";
  stack.created_by = user.id;
  if (setup) setup = store.CreateStack(stack, std::nullopt);
  storage::UpdateRecord update;
  update.id = "update-1";
  update.stack_id = stack.id;
  update.kind = "update";
  if (setup) setup = store.CreateUpdate(update);
  if (!setup) {
    state.SkipWithError(bench::Describe(setup.error()).c_str());
    return;
  }
  auth::Access access;
  access.update_id = update.id;
  engine_events::EngineEventService service(store, clock);

  int64_t next = 0;
  int64_t stored = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string body = R"({"events":[)";
    for (int i = 0; i < batch_size; ++i) {
      if (i > 0) body += ',';
      body += EventJson(next++);
    }
    body += "]}";
    state.ResumeTiming();
    auto result = service.RecordBatch(access, body);
    if (!result) {
      state.SkipWithError(bench::Describe(result.error()).c_str());
      break;
    }
    stored += *result;
  }
  state.SetItemsProcessed(stored);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(stored),
                                                  benchmark::Counter::kIsRate);
}

// SQLite under the plain name (the one bench/README.md quotes).
void BM_EngineEventIngest(benchmark::State& state) {
  BM_EngineEventIngest(state, bench::Backend::kSqlite);
}
BENCHMARK(BM_EngineEventIngest)->Arg(50)->Arg(500)->UseRealTime();
BENCHMARK_CAPTURE(BM_EngineEventIngest, Postgres, bench::Backend::kPostgres)
    ->Arg(50)
    ->Arg(500)
    ->UseRealTime();

}  // namespace
}  // namespace statehouse
