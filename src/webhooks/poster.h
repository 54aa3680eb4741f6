#pragma once

// The HTTP client seam of webhook delivery: production posts with libcurl
// (curl_poster.h); unit tests inject a fake.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace statehouse::webhooks {

struct PostRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // sent in this order
  std::string body;
  std::chrono::milliseconds timeout{10000};  // whole request, connect included
  // When set and it becomes true, an attempt in flight is abandoned promptly.
  const std::atomic<bool>* cancel = nullptr;
};

struct PostResult {
  int status = 0;       // HTTP status; 0 when no response arrived
  std::string headers;  // response headers as "Name: value\r\n" lines
  std::string body;     // response body, capped, valid UTF-8
  int64_t duration_ms = 0;
  std::string error;       // why no response arrived ("" when one did)
  bool cancelled = false;  // abandoned through PostRequest::cancel
};

// Implementations must be thread-safe.
class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  virtual PostResult Post(const PostRequest& request) = 0;
};

}  // namespace statehouse::webhooks
