// In-process parts of a delta checkpoint on a 25 MB / 5,000-resource state
// (text edits against the saved text): hashing, validating and applying
// edits to the whole text. Used to attribute the HTTP figure of
// bench/run-checkpoint-bench.sh.
// Run: build/statehouse_bench --benchmark_filter=Checkpoint
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "json/deployment.h"
#include "deployment/delta.h"
#include "http/gzip.h"

namespace statehouse {
namespace {

// Deterministic Pulumi-shaped deployment of `count` resources, each padded
// to about `resource_bytes`.
const std::string& State25MB() {
  static const std::string text = [] {
    std::string out =
        R"({"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z","magic":"m",)"
        R"("version":"v3.200.0"},"resources":[)";
    const std::string pad(4100, 'x');
    for (int i = 0; i < 5000; ++i) {
      if (i > 0) out += ",";
      const std::string n = std::to_string(i);
      out += R"({"urn":"urn:pulumi:dev::bench::aws:s3/bucket:Bucket::bucket-)" + n +
             R"(","custom":true,"id":"bucket-)" + n +
             R"(","type":"aws:s3/bucket:Bucket","inputs":{"acl":"private","bucket":"bucket-)" + n +
             R"(","tags":{"Note":")" + pad + R"("}},"outputs":{"arn":"arn:aws:s3:::bucket-)" + n +
             R"("},"parent":"urn:pulumi:dev::bench::pulumi:pulumi:Stack::bench-dev"})";
    }
    return out + R"(],"metadata":{}}})";
  }();
  return text;
}

// Gzip of a 25 MB export at level 1, as the server answers a client that
// accepts gzip: http::GzipDeflate (slices on several threads from 4 MiB),
// against one zlib stream on one thread (what it did before).
void BM_ExportGzip_25MB(benchmark::State& state) {
  const std::string& text = State25MB();
  for (auto _ : state) benchmark::DoNotOptimize(http::GzipDeflate(text, 1));
}
BENCHMARK(BM_ExportGzip_25MB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ExportGzipOneThread_25MB(benchmark::State& state) {
  const std::string& text = State25MB();
  for (auto _ : state) {
    z_stream zs{};
    deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, static_cast<uLong>(text.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ExportGzipOneThread_25MB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CheckpointSha256_25MB(benchmark::State& state) {
  const std::string& text = State25MB();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256Hex(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CheckpointSha256_25MB)->Unit(benchmark::kMillisecond);

void BM_CheckpointInspect_25MB(benchmark::State& state) {
  const std::string& text = State25MB();
  for (auto _ : state) benchmark::DoNotOptimize(json::InspectUntypedDeployment(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CheckpointInspect_25MB)->Unit(benchmark::kMillisecond);

void BM_CheckpointApplyEdits_25MB(benchmark::State& state) {
  const std::string& text = State25MB();
  const size_t mid = text.size() / 2;
  std::vector<deployment::TextEdit> edits{{40, 60, "2026-11-22T10:00:01Z"}, {mid, mid + 10, "yyyyyyyyyy"}};
  for (auto _ : state) benchmark::DoNotOptimize(deployment::ApplyTextEdits(text, edits));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CheckpointApplyEdits_25MB)->Unit(benchmark::kMillisecond);

void BM_CheckpointCopy_25MB(benchmark::State& state) {
  const std::string& text = State25MB();
  for (auto _ : state) {
    std::string copy(text);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CheckpointCopy_25MB)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace statehouse
