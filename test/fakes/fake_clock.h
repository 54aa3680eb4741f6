#pragma once

#include <atomic>
#include <cstdint>

#include "common/clock.h"

namespace statehouse::testing {

// A settable clock for unit tests. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now = 1'700'000'000) : now_(now) {}
  int64_t NowSeconds() const override { return now_.load(); }
  void Set(int64_t now) { now_.store(now); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace statehouse::testing
