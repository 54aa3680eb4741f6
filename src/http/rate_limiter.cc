#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace statehouse::http {

RateLimiter::RateLimiter(Limit limit, size_t max_keys)
    : limit_{limit.per_minute, limit.burst == 0 ? limit.per_minute : limit.burst},
      max_keys_(std::max<size_t>(max_keys, 1)) {}

double RateLimiter::Refilled(const Bucket& bucket, TimePoint now) const {
  const double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  return std::min<double>(limit_.burst,
                          bucket.tokens + std::max(0.0, seconds) * limit_.per_minute / 60.0);
}

void RateLimiter::MakeRoom(TimePoint now) {
  std::erase_if(buckets_, [&](const auto& entry) { return Refilled(entry.second, now) >= limit_.burst; });
  if (buckets_.size() < max_keys_) return;
  size_t drop = buckets_.size() / 2 + 1;
  for (auto it = buckets_.begin(); it != buckets_.end() && drop > 0; --drop) it = buckets_.erase(it);
}

RateLimiter::Decision RateLimiter::Take(std::string_view key, TimePoint now) {
  Decision decision;
  if (!enabled()) return decision;
  decision.limit = limit_.burst;
  const double per_second = limit_.per_minute / 60.0;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) MakeRoom(now);
    it = buckets_.emplace(std::string(key), Bucket{static_cast<double>(limit_.burst), now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
  } else {
    decision.allowed = false;
    decision.retry_after_seconds =
        static_cast<uint32_t>(std::max(1.0, std::ceil((1.0 - bucket.tokens) / per_second)));
  }
  decision.remaining = static_cast<uint32_t>(std::floor(bucket.tokens));
  decision.reset_seconds =
      static_cast<uint32_t>(std::ceil((limit_.burst - bucket.tokens) / per_second));
  return decision;
}

size_t RateLimiter::keys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace statehouse::http
