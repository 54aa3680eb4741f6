#pragma once

// Retry schedule of queued deliveries: exponential backoff with full jitter.
// After the n-th failed attempt (n >= 1) the next one waits a uniformly
// random time in [0, min(cap, base × 2^(n-1))]; after max_attempts failed
// attempts the job is given up (its delivery records stay).

#include <cstdint>

#include "common/random.h"

namespace statehouse::webhooks {

struct RetryPolicy {
  int64_t base_ms = 2000;
  int64_t cap_ms = 10 * 60 * 1000;
  int max_attempts = 8;  // attempts in all, the first included
};

// The upper bound of the wait after `failed_attempts` failures.
int64_t RetryCeilingMs(const RetryPolicy& policy, int failed_attempts);

// A wait in [0, RetryCeilingMs] drawn from `random` (8 bytes).
int64_t RetryDelayMs(const RetryPolicy& policy, int failed_attempts, Random& random);

}  // namespace statehouse::webhooks
