#include "webhooks/retry_policy.h"

#include <gtest/gtest.h>

#include <cstring>

namespace statehouse::webhooks {
namespace {

// Fills with one byte value: 0x00 draws the smallest wait, 0xff the largest
// the modulo allows.
class ConstantRandom final : public Random {
 public:
  explicit ConstantRandom(unsigned char value) : value_(value) {}
  void Fill(unsigned char* out, size_t n) override { std::memset(out, value_, n); }

 private:
  unsigned char value_;
};

// Returns successive 64-bit values from a list.
class SequenceRandom final : public Random {
 public:
  explicit SequenceRandom(std::vector<uint64_t> values) : values_(std::move(values)) {}
  void Fill(unsigned char* out, size_t n) override {
    uint64_t v = values_[next_++ % values_.size()];
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(v >> (8 * (n - 1 - i)));
  }

 private:
  std::vector<uint64_t> values_;
  size_t next_ = 0;
};

TEST(RetryPolicyTest, CeilingDoublesFromTheBaseUpToTheCap) {
  RetryPolicy policy;  // 2 s base, 10 min cap
  EXPECT_EQ(RetryCeilingMs(policy, 1), 2000);
  EXPECT_EQ(RetryCeilingMs(policy, 2), 4000);
  EXPECT_EQ(RetryCeilingMs(policy, 3), 8000);
  EXPECT_EQ(RetryCeilingMs(policy, 8), 256000);
  EXPECT_EQ(RetryCeilingMs(policy, 9), 512000);
  EXPECT_EQ(RetryCeilingMs(policy, 10), 600000);
  EXPECT_EQ(RetryCeilingMs(policy, 1000), 600000);
  policy.base_ms = 0;
  EXPECT_EQ(RetryCeilingMs(policy, 5), 0);
}

TEST(RetryPolicyTest, FullJitterStaysWithinZeroAndTheCeiling) {
  RetryPolicy policy;
  ConstantRandom low(0x00);
  for (int n = 1; n <= 12; ++n) EXPECT_EQ(RetryDelayMs(policy, n, low), 0) << n;
  // 2^64-1 mod (ceiling+1) for each ceiling: the largest draw is still within bounds.
  ConstantRandom high(0xff);
  for (int n = 1; n <= 12; ++n) {
    const int64_t delay = RetryDelayMs(policy, n, high);
    EXPECT_GE(delay, 0);
    EXPECT_LE(delay, RetryCeilingMs(policy, n)) << n;
  }
  // Exact values: the draw modulo (ceiling + 1).
  SequenceRandom seq({2000, 2001, 4000, 123456789});
  EXPECT_EQ(RetryDelayMs(policy, 1, seq), 2000);  // the ceiling itself is reachable
  EXPECT_EQ(RetryDelayMs(policy, 1, seq), 0);
  EXPECT_EQ(RetryDelayMs(policy, 2, seq), 4000);
  EXPECT_EQ(RetryDelayMs(policy, 3, seq), 123456789 % 8001);
}

TEST(RetryPolicyTest, DrawsSpreadAcrossTheWholeRange) {
  RetryPolicy policy;
  SequenceRandom seq({0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000});
  int64_t lo = INT64_MAX, hi = 0;
  for (int i = 0; i < 9; ++i) {
    const int64_t d = RetryDelayMs(policy, 3, seq);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 8000);
}

}  // namespace
}  // namespace statehouse::webhooks
