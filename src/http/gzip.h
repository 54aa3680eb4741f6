#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "common/error.h"

namespace statehouse::http {

struct InflateLimits {
  // Output larger than this fails with kPayloadTooLarge.
  size_t max_output_bytes = std::numeric_limits<size_t>::max();
  // Compression-ratio cap: once the output exceeds
  //   max_ratio × (input bytes consumed so far) + ratio_slack_bytes
  // inflating stops with kPayloadTooLarge. Checked at least every MiB of
  // output, so a gzip bomb (deflate reaches ~1032:1) is refused after
  // about ratio_slack_bytes × 1.25 of output, not at max_output_bytes.
  // 0 = no ratio cap.
  size_t max_ratio = 0;
  size_t ratio_slack_bytes = size_t{1} << 20;
  // When set, called with the bytes of output buffer the inflater is about to
  // hold (while the buffer is reallocated, old and new size together; then
  // the new size) before it allocates them. An error stops inflating and is
  // returned as is (e.g. a memory budget saying no).
  std::function<Result<void>(size_t bytes)> reserve;
};

// Inflates a gzip (or zlib) stream, also several concatenated gzip members.
// Fails with kPayloadTooLarge when the output would exceed the limits (stops
// inflating there, so a bomb costs at most that much memory), with whatever
// `limits.reserve` returned when it refused memory, and with kInvalidArgument
// on a corrupt or truncated stream.
Result<std::string> GzipInflate(std::string_view compressed, const InflateLimits& limits);
// GzipInflate with only a size cap.
Result<std::string> GzipInflate(std::string_view compressed, size_t max_output_bytes);

// Compresses `data` as a single gzip member at the given zlib level (1..9).
// From 4 MiB on, slices of it are deflated concurrently on up to 4 threads
// (as pigz does; still one member, any gzip reader inflates it).
std::string GzipDeflate(std::string_view data, int level = 1);

}  // namespace statehouse::http
