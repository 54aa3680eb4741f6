// Engine-event ingest through EngineEventService and the SQLite store (WAL,
// synchronous=FULL): batches of 50 events as the CLI sends them (§3.3.6).
// Reports events/s. Run: build/statehouse_bench --benchmark_filter=EngineEvent
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "engine_events/service.h"
#include "storage/sqlite/sqlite_store.h"

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

void BM_EngineEventIngest(benchmark::State& state) {
  const int batch_size = static_cast<int>(state.range(0));
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("statehouse-bench-" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  storage::SqliteOptions options;
  options.path = dir + "/bench.db";
  auto store = storage::OpenSqliteStore(options);
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  ManualClock clock;
  storage::UserRecord user{"user-1", "bench", "bench", "", false, clock.NowSeconds()};
  storage::OrgRecord org{"org-1", "bench", clock.NowSeconds(), 0};
  (void)(*store)->CreateUserWithPersonalOrg(user, org, std::nullopt, "");
  storage::StackRecord stack;
  stack.id = "stack-1";
  stack.org_id = org.id;
  stack.project = "proj";
  stack.name = "dev";
  stack.created_by = user.id;
  (void)(*store)->CreateStack(stack, std::nullopt);
  storage::UpdateRecord update;
  update.id = "update-1";
  update.stack_id = stack.id;
  update.kind = "update";
  (void)(*store)->CreateUpdate(update);
  auth::Access access;
  access.update_id = update.id;
  engine_events::EngineEventService service(**store, clock);

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
      state.SkipWithError(result.error().message.c_str());
      break;
    }
    stored += *result;
  }
  state.SetItemsProcessed(stored);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(stored),
                                                  benchmark::Counter::kIsRate);
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_EngineEventIngest)->Arg(50)->Arg(500)->UseRealTime();

}  // namespace
}  // namespace statehouse
