#include "http/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <limits>

namespace statehouse::http {

namespace {

constexpr size_t kMaxZlibChunk = size_t{1} << 30;
constexpr size_t kMinInflateBuffer = 16 * 1024;

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
  ZStream<inflateEnd> stream;
  int rc = stream.Initialized(inflateInit2(stream.get(), 15 + 32));
  if (rc == Z_MEM_ERROR) return Fail(Error::Internal("inflateInit2: out of memory"));
  if (rc != Z_OK) return Fail(Error::Internal("inflateInit2 failed"));
  z_stream* zs = stream.get();

  // One byte beyond the cap is enough to detect an oversized stream.
  const size_t hard_limit = max_output_bytes == std::numeric_limits<size_t>::max()
                                ? max_output_bytes
                                : max_output_bytes + 1;
  std::string out;
  size_t initial = compressed.size() > std::numeric_limits<size_t>::max() / 4
                       ? hard_limit
                       : std::max(compressed.size() * 4, kMinInflateBuffer);
  out.resize(std::min(initial, hard_limit));
  size_t produced = 0;
  size_t consumed = 0;
  bool stream_ended = false;

  while (true) {
    if (zs->avail_in == 0 && consumed < compressed.size()) {
      size_t chunk = std::min(compressed.size() - consumed, kMaxZlibChunk);
      zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + consumed));
      zs->avail_in = static_cast<uInt>(chunk);
      consumed += chunk;
    }
    if (stream_ended) {
      if (zs->avail_in == 0) break;
      // Another gzip member follows (RFC 1952 allows concatenation).
      if (inflateReset(zs) != Z_OK) return Fail(MalformedGzip());
      stream_ended = false;
    }
    if (produced == out.size()) {
      if (out.size() >= hard_limit) {
        return Fail(Error::PayloadTooLarge("Request body too large after decompression"));
      }
      size_t grown = out.size() > hard_limit / 2 ? hard_limit : out.size() * 2;
      out.resize(std::max(grown, kMinInflateBuffer));
      if (out.size() > hard_limit) out.resize(hard_limit);
    }
    size_t room = std::min(out.size() - produced, kMaxZlibChunk);
    zs->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs->avail_out = static_cast<uInt>(room);
    const uInt avail_in_before = zs->avail_in;

    rc = inflate(zs, Z_NO_FLUSH);
    produced += room - zs->avail_out;
    if (produced > max_output_bytes) {
      return Fail(Error::PayloadTooLarge("Request body too large after decompression"));
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
        if (zs->avail_in == 0 && consumed == compressed.size()) return Fail(MalformedGzip());
        if (zs->avail_out != 0 && zs->avail_in == avail_in_before) return Fail(MalformedGzip());
        break;
      case Z_MEM_ERROR:
        return Fail(Error::Internal("inflate: out of memory"));
      default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
        return Fail(MalformedGzip());
    }
    if (!stream_ended && rc == Z_OK && zs->avail_in == 0 && consumed == compressed.size() &&
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
