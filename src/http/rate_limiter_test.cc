#include "http/rate_limiter.h"

#include <gtest/gtest.h>

namespace statehouse::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiterTest, OffAllowsEverything) {
  RateLimiter limiter({});
  const auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.Take("alice", now).allowed);
  EXPECT_EQ(limiter.keys(), 0u);
}

TEST(RateLimiterTest, BurstThenRefillAtTheRate) {
  RateLimiter limiter({.per_minute = 60, .burst = 3});
  const auto t0 = std::chrono::steady_clock::now();
  RateLimiter::Decision d = limiter.Take("alice", t0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.limit, 3u);
  EXPECT_EQ(d.remaining, 2u);
  EXPECT_TRUE(limiter.Take("alice", t0).allowed);
  d = limiter.Take("alice", t0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.reset_seconds, 3u);

  d = limiter.Take("alice", t0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 1u);
  // Another key has its own bucket.
  EXPECT_TRUE(limiter.Take("bob", t0).allowed);
  // One request a second comes back.
  EXPECT_FALSE(limiter.Take("alice", t0 + milliseconds(500)).allowed);
  EXPECT_TRUE(limiter.Take("alice", t0 + milliseconds(1600)).allowed);
  EXPECT_FALSE(limiter.Take("alice", t0 + milliseconds(1700)).allowed);
  // Never more than the burst, however long the key was idle.
  const auto later = t0 + seconds(3600);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("alice", later).allowed) << i;
  EXPECT_FALSE(limiter.Take("alice", later).allowed);
}

TEST(RateLimiterTest, RetryAfterCoversTheWaitForOneRequest) {
  RateLimiter limiter({.per_minute = 6, .burst = 1});  // one request per 10 s
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(limiter.Take("a", t0).allowed);
  RateLimiter::Decision d = limiter.Take("a", t0 + seconds(4));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 6u);
  EXPECT_TRUE(limiter.Take("a", t0 + seconds(10)).allowed);
}

TEST(RateLimiterTest, TableStaysBounded) {
  RateLimiter limiter({.per_minute = 60, .burst = 2}, 100);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(limiter.Take("key-" + std::to_string(i), t0).allowed);
    EXPECT_LE(limiter.keys(), 100u);
  }
  // Idle keys are dropped before busy ones: after refilling, the busy key
  // keeps its (empty) bucket.
  limiter.Take("busy", t0 + seconds(10));
  limiter.Take("busy", t0 + seconds(10));
  for (int i = 0; i < 99; ++i) limiter.Take("fresh-" + std::to_string(i), t0 + seconds(10));
  EXPECT_FALSE(limiter.Take("busy", t0 + seconds(10)).allowed);
}

}  // namespace
}  // namespace statehouse::http
