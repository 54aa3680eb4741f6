#pragma once

// HttpPoster over libcurl, hardened for posting to user-supplied URLs:
//   * only http and https, redirects never followed (a 3xx is the answer);
//   * no proxy (the environment's proxy variables are ignored), so the
//     connected address is the receiver's;
//   * every connection's address is checked against an AddressPolicy in
//     curl's open-socket callback, i.e. after DNS resolution and for every
//     address tried, so DNS rebinding cannot reach a refused range; a refused
//     address fails the request with an error naming it;
//   * the response body is kept up to `max_response_bytes` (the rest is read
//     and dropped), made valid UTF-8; headers likewise;
//   * TLS peers are verified against the system trust store.
// Easy handles are pooled so connections to a receiver are reused.
// Thread-safe.

#include <memory>
#include <mutex>
#include <vector>

#include "webhooks/address_policy.h"
#include "webhooks/poster.h"

namespace statehouse::webhooks {

class CurlPoster final : public HttpPoster {
 public:
  explicit CurlPoster(AddressPolicy policy, size_t max_response_bytes = 64 * 1024);
  ~CurlPoster() override;
  CurlPoster(const CurlPoster&) = delete;
  CurlPoster& operator=(const CurlPoster&) = delete;

  PostResult Post(const PostRequest& request) override;

 private:
  void* AcquireHandle();
  void ReleaseHandle(void* handle);

  const AddressPolicy policy_;
  const size_t max_response_bytes_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* easy handles
};

// Replaces invalid UTF-8 sequences in `text` with U+FFFD.
std::string ToValidUtf8(std::string_view text);

}  // namespace statehouse::webhooks
