#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace statehouse::http {

// Token buckets, one per key (an access token, a client address): a key may
// make `burst` requests at once, and regains `per_minute` requests each
// minute, continuously. Take() spends one request of a key's bucket if it has
// one. Time is passed in, so tests never sleep.
//
// Memory is bounded by `max_keys` buckets: when the table is full, buckets
// that have refilled completely (idle keys) are dropped first, and if that
// frees nothing, an arbitrary half is dropped (those keys start over with a
// full bucket).
//
// Thread-safety: every method may be called from any thread.
class RateLimiter {
 public:
  struct Limit {
    uint32_t per_minute = 0;  // 0 = no limit: Take() always allows
    uint32_t burst = 0;       // bucket size; 0 = per_minute
  };
  struct Decision {
    bool allowed = true;
    uint32_t limit = 0;        // the bucket size (RateLimit-Limit)
    uint32_t remaining = 0;    // whole requests left after this one (RateLimit-Remaining)
    uint32_t reset_seconds = 0;  // until the bucket is full again (RateLimit-Reset)
    uint32_t retry_after_seconds = 0;  // refused: until one request is regained
  };
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit RateLimiter(Limit limit, size_t max_keys = 100'000);

  bool enabled() const { return limit_.per_minute != 0; }
  Decision Take(std::string_view key, TimePoint now);
  size_t keys() const;

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
  };
  void MakeRoom(TimePoint now);
  double Refilled(const Bucket& bucket, TimePoint now) const;

  const Limit limit_;
  const size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace statehouse::http
