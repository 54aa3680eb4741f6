#pragma once

#include <cstdint>

namespace statehouse {

// Source of wall-clock time. Injected so tests control time and never sleep.
// Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual int64_t NowSeconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowSeconds() const override;
};

}  // namespace statehouse
