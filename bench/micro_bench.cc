// Micro-benchmarks of per-request work that is not I/O: routing, token
// hashing, and serializing a stack. Run: build/statehouse_bench
#include <benchmark/benchmark.h>

#include <string>

#include "crypto/crypto.h"
#include "http/router.h"

namespace statehouse {
namespace {

http::Router MakeRouter() {
  http::Router router;
  auto noop = [](http::Request&) { return http::Response::NoContent(); };
  for (const char* path :
       {"/api/user", "/api/user/stacks", "/api/user/tokens", "/api/user/tokens/{tokenId}",
        "/api/user/organizations/default", "/api/capabilities", "/api/stacks/{org}/{project}",
        "/api/stacks/{org}/{project}/{stack}", "/api/stacks/{org}/{project}/{stack}/rename",
        "/api/stacks/{org}/{project}/{stack}/transfer", "/api/stacks/{org}/{project}/{stack}/tags",
        "/api/stacks/{org}/{project}/{stack}/tags/{tagName}", "/healthz", "/metrics"}) {
    router.Add("GET", path, noop);
  }
  return router;
}

void BM_RouterFindStack(benchmark::State& state) {
  http::Router router = MakeRouter();
  for (auto _ : state) {
    auto match = router.Find("GET", "/api/stacks/acme/website/production");
    benchmark::DoNotOptimize(match);
  }
}
BENCHMARK(BM_RouterFindStack);

void BM_TokenHash(benchmark::State& state) {
  const std::string token = "pul-0123456789abcdef0123456789abcdef01234567";
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256Hex(token));
}
BENCHMARK(BM_TokenHash);

}  // namespace
}  // namespace statehouse
