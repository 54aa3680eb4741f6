#include "http/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <limits>

namespace statehouse::http {

namespace {

constexpr size_t kMaxZlibChunk = size_t{1} << 30;
constexpr size_t kMinInflateBuffer = 16 * 1024;
constexpr size_t kInflateStep = size_t{1} << 20;

Error MalformedGzip() { return Error::InvalidArgument("Malformed gzip request body"); }

// Owns a z_stream and ends it with `End` (inflateEnd or deflateEnd) once it
// has been initialised.
template <int (*End)(z_streamp)>
class ZStream {
 public:
  ZStream() = default;
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  ~ZStream() {
    if (initialized_) End(&zs_);
  }
  // Records the result of an inflateInit2/deflateInit2 call on get().
  int Initialized(int rc) {
    initialized_ = rc == Z_OK;
    return rc;
  }
  z_stream* get() { return &zs_; }

 private:
  z_stream zs_{};
  bool initialized_ = false;
};

}  // namespace

Result<std::string> GzipInflate(std::string_view compressed, size_t max_output_bytes) {
  InflateLimits limits;
  limits.max_output_bytes = max_output_bytes;
  return GzipInflate(compressed, limits);
}

Result<std::string> GzipInflate(std::string_view compressed, const InflateLimits& limits) {
  ZStream<inflateEnd> stream;
  int rc = stream.Initialized(inflateInit2(stream.get(), 15 + 32));
  if (rc == Z_MEM_ERROR) return Fail(Error::Internal("inflateInit2: out of memory"));
  if (rc != Z_OK) return Fail(Error::Internal("inflateInit2 failed"));
  z_stream* zs = stream.get();

  constexpr size_t kMax = std::numeric_limits<size_t>::max();
  const size_t max_output_bytes = limits.max_output_bytes;
  // The most output the ratio cap can ever allow for this input.
  size_t ratio_total = kMax;
  if (limits.max_ratio != 0) {
    ratio_total = compressed.size() > (kMax - limits.ratio_slack_bytes) / limits.max_ratio
                      ? kMax
                      : compressed.size() * limits.max_ratio + limits.ratio_slack_bytes;
  }
  auto too_large = [&]() {
    return Fail(Error::PayloadTooLarge("Request body too large after decompression"));
  };
  auto ratio_exceeded = [&]() {
    return Fail(Error::PayloadTooLarge(
        fmt::format("Request body compression ratio exceeds {}:1", limits.max_ratio)));
  };
  // One byte beyond the cap is enough to detect an oversized stream.
  const size_t cap = std::min(max_output_bytes, ratio_total);
  const size_t hard_limit = cap == kMax ? cap : cap + 1;
  auto reserve = [&](size_t bytes) -> Result<void> {
    if (!limits.reserve) return {};
    return limits.reserve(bytes);
  };

  std::string out;
  size_t initial = compressed.size() > kMax / 4
                       ? hard_limit
                       : std::max(compressed.size() * 4, kMinInflateBuffer);
  initial = std::min(initial, hard_limit);
  SH_TRY(reserve(initial));
  out.resize(initial);
  size_t produced = 0;
  size_t fed = 0;  // input handed to zlib; fed - avail_in has been consumed
  bool stream_ended = false;

  while (true) {
    if (zs->avail_in == 0 && fed < compressed.size()) {
      size_t chunk = std::min(compressed.size() - fed, kMaxZlibChunk);
      zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + fed));
      zs->avail_in = static_cast<uInt>(chunk);
      fed += chunk;
    }
    if (stream_ended) {
      if (zs->avail_in == 0) break;
      // Another gzip member follows (RFC 1952 allows concatenation).
      if (inflateReset(zs) != Z_OK) return Fail(MalformedGzip());
      stream_ended = false;
    }
    if (produced == out.size()) {
      if (out.size() >= hard_limit) {
        return max_output_bytes <= ratio_total ? too_large() : ratio_exceeded();
      }
      size_t grown = out.size() > hard_limit / 2 ? hard_limit : out.size() * 2;
      grown = std::min(std::max(grown, kMinInflateBuffer), hard_limit);
      // Old and new buffer coexist while the string reallocates.
      SH_TRY(reserve(out.size() + grown));
      out.resize(grown);
      SH_TRY(reserve(grown));
    }
    // Bounded steps, so that the ratio is checked at least every step.
    size_t room = std::min(out.size() - produced, kInflateStep);
    zs->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs->avail_out = static_cast<uInt>(room);
    const uInt avail_in_before = zs->avail_in;

    rc = inflate(zs, Z_NO_FLUSH);
    produced += room - zs->avail_out;
    if (produced > max_output_bytes) return too_large();
    if (limits.max_ratio != 0) {
      const size_t consumed = fed - zs->avail_in;
      if (consumed <= (kMax - limits.ratio_slack_bytes) / limits.max_ratio &&
          produced > consumed * limits.max_ratio + limits.ratio_slack_bytes) {
        return ratio_exceeded();
      }
    }
    switch (rc) {
      case Z_OK:
        break;
      case Z_STREAM_END:
        stream_ended = true;
        break;
      case Z_BUF_ERROR:
        // No progress possible: either input is exhausted (truncated stream)
        // or the output buffer is full (grown on the next iteration).
        if (zs->avail_in == 0 && fed == compressed.size()) return Fail(MalformedGzip());
        if (zs->avail_out != 0 && zs->avail_in == avail_in_before) return Fail(MalformedGzip());
        break;
      case Z_MEM_ERROR:
        return Fail(Error::Internal("inflate: out of memory"));
      default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
        return Fail(MalformedGzip());
    }
    if (!stream_ended && rc == Z_OK && zs->avail_in == 0 && fed == compressed.size() &&
        zs->avail_out != 0) {
      return Fail(MalformedGzip());
    }
  }
  out.resize(produced);
  return out;
}

std::string GzipDeflate(std::string_view data, int level) {
  if (level < 0 || level > 9) level = Z_DEFAULT_COMPRESSION;
  ZStream<deflateEnd> stream;
  if (stream.Initialized(deflateInit2(stream.get(), level, Z_DEFLATED, 15 + 16, 8,
                                      Z_DEFAULT_STRATEGY)) != Z_OK) {
    return {};
  }
  z_stream* zs = stream.get();

  std::string out;
  out.resize(deflateBound(zs, static_cast<uLong>(data.size())));
  size_t produced = 0;
  size_t consumed = 0;
  while (true) {
    if (zs->avail_in == 0 && consumed < data.size()) {
      size_t chunk = std::min(data.size() - consumed, kMaxZlibChunk);
      zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
      zs->avail_in = static_cast<uInt>(chunk);
      consumed += chunk;
    }
    if (produced == out.size()) out.resize(out.size() * 2 + 64);
    size_t room = std::min(out.size() - produced, kMaxZlibChunk);
    zs->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs->avail_out = static_cast<uInt>(room);
    const int flush = consumed == data.size() ? Z_FINISH : Z_NO_FLUSH;
    int rc = deflate(zs, flush);
    produced += room - zs->avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return {};
  }
  out.resize(produced);
  return out;
}

}  // namespace statehouse::http
