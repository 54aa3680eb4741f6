#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "http/metrics.h"
#include "http/rate_limiter.h"
#include "http/router.h"

namespace statehouse::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = pick a free port
  int io_threads = 2;
  int worker_threads = 4;  // blocking handler work runs here, never on io threads
  size_t max_header_bytes = 16 * 1024;
  std::chrono::seconds header_timeout{30};  // whole request head must arrive within this
  std::chrono::seconds body_timeout{300};   // whole body must arrive within this
  std::chrono::seconds idle_timeout{75};    // keep-alive connection with no request
  std::chrono::seconds write_timeout{300};
  std::chrono::seconds drain_timeout{20};   // after SIGTERM, wait this long for in-flight work
  size_t gzip_min_response_bytes = 1024;    // compress responses at least this large
  // Budget for the request bodies held in memory by all requests together:
  // bytes as received plus bytes inflated from gzip, reserved as they are read
  // and inflated; while the handler runs, the body plus one working copy (at
  // most the whole budget); released once the handler has returned.
  // 0 = unlimited.
  // A body that cannot fit even alone is 413; one that does not fit now waits
  // up to body_memory_wait for room, then gets 503 with Retry-After.
  size_t max_body_memory_bytes = size_t{1} << 30;
  std::chrono::milliseconds body_memory_wait{2000};
  // gzip bodies may not inflate beyond this ratio plus gzip_ratio_slack_bytes:
  // 413 early instead of inflating a bomb to the route's limit. 0 = no cap.
  // The slack lets small, very repetitive bodies (a few MB of one repeated
  // value) through; the memory budget bounds what bombs hold meanwhile.
  size_t max_gzip_ratio = 200;
  size_t gzip_ratio_slack_bytes = size_t{64} << 20;
  bool access_log = true;
  // Request rate limits, per access token (the Authorization header) and per
  // client address; each off when per_minute is 0. A request over either
  // limit gets 429 with Retry-After and RateLimit-Limit/-Remaining/-Reset
  // before its body is read. Calls made with an update's lease
  // ("Authorization: update-token …") are never limited, so a running update
  // is not starved. /metrics counts refusals in
  // statehouse_http_rate_limited_total{key="token"|"address"}.
  RateLimiter::Limit rate_limit_per_token;
  RateLimiter::Limit rate_limit_per_address;
};

// The HTTP/1.1 server (Boost.Beast). Reads each request head first, picks the
// route's body limit, reads and (if gzip) inflates the body with a size and a
// ratio cap, runs the handler on the worker pool, writes the response (gzip
// when accepted), logs one access line (request id, method, route template,
// status, bytes, microseconds). Request bodies held in memory are bounded
// together by ServerOptions::max_body_memory_bytes (see there); /metrics shows
// statehouse_http_body_memory_bytes{kind="in_use"|"peak"|"budget"} and
// statehouse_http_body_memory_rejections_total.
//
// Thread-safety: Listen() then Run() from one thread; Stop() from any thread.
class Server {
 public:
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Returns the bound port (useful with port 0).
  Result<uint16_t> Listen();
  // Serves until SIGTERM/SIGINT or Stop(); then stops accepting, lets
  // in-flight requests finish (up to drain_timeout) and returns.
  void Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace statehouse::http
