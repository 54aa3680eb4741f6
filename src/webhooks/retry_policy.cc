#include "webhooks/retry_policy.h"

#include <algorithm>

namespace statehouse::webhooks {

int64_t RetryCeilingMs(const RetryPolicy& policy, int failed_attempts) {
  const int64_t base = std::max<int64_t>(0, policy.base_ms);
  const int64_t cap = std::max<int64_t>(0, policy.cap_ms);
  int64_t ceiling = base;
  for (int i = 1; i < failed_attempts && ceiling < cap; ++i) ceiling *= 2;
  return std::min(ceiling, cap);
}

int64_t RetryDelayMs(const RetryPolicy& policy, int failed_attempts, Random& random) {
  const int64_t ceiling = RetryCeilingMs(policy, failed_attempts);
  if (ceiling <= 0) return 0;
  unsigned char bytes[8];
  random.Fill(bytes, sizeof(bytes));
  uint64_t value = 0;
  for (unsigned char b : bytes) value = (value << 8) | b;
  // Uniform over [0, ceiling]; the modulo bias is below 2^-40 for any
  // ceiling this policy can produce.
  return static_cast<int64_t>(value % (static_cast<uint64_t>(ceiling) + 1));
}

}  // namespace statehouse::webhooks
