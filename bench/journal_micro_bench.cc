// Journal replay core (src/journal): fold and materialise a 10,000-resource
// `pulumi up` from its journal (issue 12 target: ≤ 100 ms; the CLI's Go
// replayer takes 586 ms). The journal is what a CLI sends for a first `up`:
// a secrets-manager entry, then begin + success for the stack and 10,000
// resources (~1 KB states, each depending on its predecessor), in request
// bodies of 100 entries.
// Run: build/statehouse_bench --benchmark_filter=Journal
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "journal/entry.h"
#include "journal/replayer.h"

namespace statehouse {
namespace {

constexpr int kResources = 10000;
const char* const kStack = "urn:pulumi:dev::bench::pulumi:pulumi:Stack::bench-dev";
const char* const kEmptyBase =
    R"({"version":3,"deployment":{"manifest":{"time":"0001-01-01T00:00:00Z","magic":"","version":""},"metadata":{}}})";

std::string ResourceJson(int i, bool with_id) {
  const std::string prev =
      i == 0 ? std::string(kStack) : fmt::format("urn:pulumi:dev::bench::aws:s3/bucket:Bucket::bucket-{}", i - 1);
  return fmt::format(
      R"({{"urn":"urn:pulumi:dev::bench::aws:s3/bucket:Bucket::bucket-{0}","custom":true,{1}"type":"aws:s3/bucket:Bucket",)"
      R"("inputs":{{"__defaults":["bucket","forceDestroy"],"acl":"private","bucket":"bucket-{0}-8d1f0c2","forceDestroy":false,)"
      R"("tags":{{"Environment":"dev","Owner":"alice","Project":"bench","Team":"platform"}},"versioning":{{"enabled":true}}}},)"
      R"("outputs":{{"arn":"arn:aws:s3:::bucket-{0}-8d1f0c2","bucket":"bucket-{0}-8d1f0c2","bucketDomainName":"bucket-{0}-8d1f0c2.s3.amazonaws.com",)"
      R"("hostedZoneId":"Z3AQBSTGFYJSTF","id":"bucket-{0}-8d1f0c2","region":"us-west-2","requestPayer":"BucketOwner",)"
      R"("tags":{{"Environment":"dev","Owner":"alice","Project":"bench","Team":"platform"}},"versioning":{{"enabled":true,"mfaDelete":false}}}},)"
      R"("parent":"{2}","dependencies":["{3}"],"provider":"urn:pulumi:dev::bench::pulumi:providers:aws::default_6_0_0::prov-1",)"
      R"("propertyDependencies":{{"acl":[],"bucket":["{3}"],"tags":[]}},"created":"2026-12-03T10:00:00.000000001Z","modified":"2026-12-03T10:00:00.000000001Z"}})",
      i, with_id ? fmt::format(R"("id":"bucket-{}-8d1f0c2",)", i) : std::string(), kStack, prev);
}

// Request bodies {"entries":[…]} of 100 entries each.
const std::vector<std::string>& JournalBodies() {
  static const std::vector<std::string> bodies = [] {
    std::vector<std::string> entries;
    int64_t seq = 0;
    auto entry = [&](int kind, int64_t op, std::string extra) {
      entries.push_back(fmt::format(
          R"({{"version":1,"kind":{},"sequenceID":{},"operationID":{},"removeOld":null,"removeNew":null{}}})", kind,
          ++seq, op, extra));
    };
    entry(6, 0, R"(,"secretsProvider":{"type":"service","state":{"url":"https://pulumi.example.com","owner":"alice","project":"bench","stack":"dev"}})");
    const std::string stack = fmt::format(R"({{"urn":"{}","custom":false,"type":"pulumi:pulumi:Stack"}})", kStack);
    entry(0, 1, fmt::format(R"(,"operation":{{"resource":{},"type":"creating"}})", stack));
    entry(1, 1, ",\"state\":" + stack);
    for (int i = 0; i < kResources; ++i) {
      entry(0, i + 2, fmt::format(R"(,"operation":{{"resource":{},"type":"creating"}})", ResourceJson(i, false)));
      entry(1, i + 2, ",\"state\":" + ResourceJson(i, true));
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < entries.size(); i += 100) {
      std::string body = "{\"entries\":[";
      for (size_t j = i; j < std::min(entries.size(), i + 100); ++j) {
        if (j > i) body += ",";
        body += entries[j];
      }
      out.push_back(body + "]}");
    }
    return out;
  }();
  return bodies;
}

int64_t JournalBytes() {
  int64_t total = 0;
  for (const auto& b : JournalBodies()) total += static_cast<int64_t>(b.size());
  return total;
}

const journal::ManifestInfo kManifest{"2026-12-03T10:00:00Z", "v3.260.0"};

// Everything the server does with the journal: parse each request body,
// fold it, then materialise the deployment once.
void BM_JournalParseFoldMaterialize_10k(benchmark::State& state) {
  const auto& bodies = JournalBodies();
  auto base = journal::ParseUntypedDeployment(kEmptyBase);
  size_t out_bytes = 0;
  for (auto _ : state) {
    journal::Replayer replayer(*base);
    for (const auto& body : bodies) {
      auto entries = journal::ParseBatch(body);
      if (!entries || !replayer.Add(*entries)) state.SkipWithError("journal rejected");
    }
    auto m = replayer.Materialize(kManifest);
    if (!m || m->resource_count != kResources + 1) state.SkipWithError("wrong result");
    out_bytes = m->untyped.size();
    benchmark::DoNotOptimize(m->untyped.data());
  }
  state.counters["journal_MB"] = static_cast<double>(JournalBytes()) / 1e6;
  state.counters["deployment_MB"] = static_cast<double>(out_bytes) / 1e6;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * JournalBytes());
}
BENCHMARK(BM_JournalParseFoldMaterialize_10k)->Unit(benchmark::kMillisecond);

// Rebuild after a restart from already parsed entries: fold + materialise only.
void BM_JournalFoldMaterialize_10k(benchmark::State& state) {
  std::vector<journal::Entry> all;
  for (const auto& body : JournalBodies()) {
    auto entries = journal::ParseBatch(body);
    for (auto& e : *entries) {
      e.raw.clear();
      all.push_back(std::move(e));
    }
  }
  auto base = journal::ParseUntypedDeployment(kEmptyBase);
  for (auto _ : state) {
    auto replayer = journal::Replayer::Rebuild(*base, all);
    auto m = replayer.Materialize(kManifest);
    benchmark::DoNotOptimize(m->untyped.data());
  }
}
BENCHMARK(BM_JournalFoldMaterialize_10k)->Unit(benchmark::kMillisecond);

// Export mid-update: materialise the 10,000-resource state only.
void BM_JournalMaterialize_10k(benchmark::State& state) {
  auto base = journal::ParseUntypedDeployment(kEmptyBase);
  journal::Replayer replayer(*base);
  for (const auto& body : JournalBodies()) (void)replayer.Add(*journal::ParseBatch(body));
  for (auto _ : state) {
    auto m = replayer.Materialize(kManifest);
    benchmark::DoNotOptimize(m->untyped.data());
  }
}
BENCHMARK(BM_JournalMaterialize_10k)->Unit(benchmark::kMillisecond);

// One acknowledged batch of 100 entries on top of a 10,000-resource fold:
// parse + fold (the incremental cost per request).
void BM_JournalParseFoldOneBatch_On10k(benchmark::State& state) {
  const auto& bodies = JournalBodies();
  auto base = journal::ParseUntypedDeployment(kEmptyBase);
  journal::Replayer replayer(*base);
  for (size_t i = 0; i + 1 < bodies.size(); ++i) (void)replayer.Add(*journal::ParseBatch(bodies[i]));
  for (auto _ : state) {
    state.PauseTiming();
    journal::Replayer copy = replayer;
    state.ResumeTiming();
    auto entries = journal::ParseBatch(bodies.back());
    benchmark::DoNotOptimize(copy.Add(*entries));
  }
}
BENCHMARK(BM_JournalParseFoldOneBatch_On10k)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace statehouse
