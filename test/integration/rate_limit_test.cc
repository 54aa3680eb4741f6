// Rate limits over the real binary: per access token and per client address,
// 429 with Retry-After and RateLimit-* headers and a JSON error, counted in
// /metrics; an update's lease calls are never limited.

#include <gtest/gtest.h>

#include <string>

#include "test/integration/harness.h"
#include "test/integration/update_driver.h"

namespace statehouse::testing {
namespace {

namespace json = boost::json;

ServerConfig WithArgs(std::vector<std::string> args) {
  ServerConfig config;
  config.extra_args = std::move(args);
  return config;
}

// One request regained per minute: nothing refills while a test runs.
TEST(RateLimitTest, PerTokenWithLeaseCallsExempt) {
  ServerProcess server(WithArgs({"--rate-limit-per-token", "1", "--rate-limit-burst", "8"}));
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  const std::string path = StackPath("admin", "proj", "dev");
  ASSERT_EQ(CreateStack(admin, "admin", "proj", "dev").status, 200);  // 1
  HttpClient alice(server, CreateUser(admin, "alice"));               // 2
  ReplayDriver d(admin, server, path);
  ReplayUpdate u = d.Begin("update", false);  // 3, 4
  ASSERT_FALSE(u.token.empty());
  for (int i = 0; i < 4; ++i) ASSERT_EQ(admin.Get(path).status, 200) << i;  // 5..8

  HttpResponse refused = admin.Get(path);
  ExpectJsonError(refused, 429);
  EXPECT_EQ(refused.Header("Retry-After"), "60") << refused;
  EXPECT_EQ(refused.Header("RateLimit-Limit"), "8") << refused;
  EXPECT_EQ(refused.Header("RateLimit-Remaining"), "0") << refused;
  EXPECT_FALSE(refused.Header("RateLimit-Reset").empty()) << refused;
  // A body is not read first: a large one is refused the same way.
  ExpectJsonError(admin.Post(path + "/tags", std::string(1 << 20, ' ')), 429);

  // The running update goes on: its lease calls are never limited.
  const std::string state = "{\"version\":3,\"deployment\":{\"manifest\":{\"time\":\"2026-12-03T10:00:00Z\","
                            "\"magic\":\"\",\"version\":\"\"},\"resources\":[" +
                            ReplayResource("proj", "dev", 0) + "]}}";
  for (int i = 1; i <= 20; ++i) ASSERT_EQ(d.Verbatim(u, state, i).status, 204) << i;
  ASSERT_EQ(d.Complete(u).status, 204);

  // Another token has its own bucket.
  EXPECT_EQ(admin.Get("/api/user").status, 429);
  EXPECT_EQ(alice.Get("/api/user").status, 200);

  HttpResponse metrics = HttpClient(server, "").Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("statehouse_http_rate_limited_total{key=\"token\"} 3"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("statehouse_http_rate_limited_total{key=\"address\"} 0"),
            std::string::npos);
}

TEST(RateLimitTest, PerAddressWhateverTheToken) {
  ServerProcess server(WithArgs({"--rate-limit-per-address", "1", "--rate-limit-burst", "3"}));
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  HttpClient nobody(server, "no-such-token");
  EXPECT_EQ(admin.Get("/api/user").status, 200);
  EXPECT_EQ(nobody.Get("/api/user").status, 401);
  EXPECT_EQ(admin.Get("/api/user").status, 200);
  HttpResponse refused = nobody.Get("/api/user");
  ExpectJsonError(refused, 429);
  EXPECT_EQ(refused.Header("Retry-After"), "60");
  ExpectJsonError(admin.Get("/api/user"), 429);
  ExpectJsonError(HttpClient(server, "").Get("/healthz"), 429);
}

TEST(RateLimitTest, OffByDefault) {
  ServerProcess server;
  ASSERT_TRUE(server.Start());
  HttpClient admin(server, server.bootstrap_token());
  for (int i = 0; i < 300; ++i) ASSERT_EQ(admin.Get("/api/user").status, 200) << i;
}

}  // namespace
}  // namespace statehouse::testing
