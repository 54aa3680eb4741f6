#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace statehouse::http {

// Request metrics in Prometheus text format. Thread-safe.
class Metrics {
 public:
  // Records one finished request. `route` is the route template ("<unmatched>"
  // when none matched).
  void ObserveRequest(std::string_view method, std::string_view route, int status,
                      uint64_t response_bytes, uint64_t micros);
  void RequestStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void RequestFinished() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t InFlight() const { return in_flight_.load(std::memory_order_relaxed); }

  // Adds lines produced by `source` (already in exposition format) to every
  // rendering, e.g. the storage pool gauges. Call before serving.
  void AddExternalSource(std::function<std::string()> source);

  // The whole exposition text.
  std::string RenderPrometheus() const;

 private:
  struct Key {
    std::string method, route;
    int status;
    auto operator<=>(const Key&) const = default;
  };
  static constexpr double kBucketsSeconds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                               0.05,   0.1,   0.25,   0.5,   1,    2.5, 5, 10};
  static constexpr int kBucketCount = sizeof(kBucketsSeconds) / sizeof(double);

  mutable std::mutex mu_;
  std::map<Key, uint64_t> requests_;
  std::map<std::string, uint64_t> response_bytes_;  // by route
  uint64_t buckets_[kBucketCount + 1] = {};          // last = +Inf
  uint64_t latency_count_ = 0;
  double latency_sum_seconds_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::vector<std::function<std::string()>> external_;
};

}  // namespace statehouse::http
