#include "http/gzip.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

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

namespace {

// Bodies from this size are compressed in slices on several threads.
constexpr size_t kParallelDeflateBytes = size_t{4} << 20;
constexpr size_t kMinDeflateSlice = size_t{2} << 20;

// Deflates `data` at `level` into `out` after what it holds: a gzip member
// (window_bits 15 + 16), or raw deflate (-15) that ends with a final block
// when `finish`, else with a sync flush (byte-aligned, not final, so another
// raw slice may follow). false on a zlib error.
bool Deflate(std::string_view data, int level, int window_bits, bool finish, std::string& out) {
  ZStream<deflateEnd> stream;
  if (stream.Initialized(deflateInit2(stream.get(), level, Z_DEFLATED, window_bits, 8,
                                      Z_DEFAULT_STRATEGY)) != Z_OK) {
    return false;
  }
  z_stream* zs = stream.get();
  size_t produced = out.size();
  out.resize(produced + deflateBound(zs, static_cast<uLong>(data.size())) + 16);
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
    const bool last_input = consumed == data.size() && zs->avail_in == 0;
    const int flush = !last_input ? Z_NO_FLUSH : finish ? Z_FINISH : Z_SYNC_FLUSH;
    int rc = deflate(zs, flush);
    produced += room - zs->avail_out;
    if (rc == Z_STREAM_END) break;
    if (flush == Z_SYNC_FLUSH && rc == Z_OK && zs->avail_out != 0) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
  }
  out.resize(produced);
  return true;
}

void PutLittleEndian32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

std::string GzipDeflate(std::string_view data, int level) {
  if (level < 0 || level > 9) level = Z_DEFAULT_COMPRESSION;
  const size_t threads =
      std::min<size_t>({4, std::max(1u, std::thread::hardware_concurrency()),
                        data.size() / kMinDeflateSlice});
  std::string out;
  if (data.size() < kParallelDeflateBytes || threads < 2) {
    if (!Deflate(data, level, 15 + 16, true, out)) return {};
    return out;
  }
  // One gzip member as pigz writes it: slices deflated independently as raw
  // streams (all but the last ending in a sync flush) behind one header, the
  // trailer's CRC-32 combined from the slices' and the length mod 2^32.
  const size_t slice = (data.size() + threads - 1) / threads;
  std::vector<std::string> parts(threads);
  std::vector<uLong> crcs(threads, 0);
  std::vector<char> ok(threads, 0);
  auto run = [&](size_t i) {
    std::string_view part = data.substr(i * slice, slice);
    crcs[i] = 0;
    for (size_t at = 0; at < part.size(); at += kMaxZlibChunk) {
      const std::string_view piece = part.substr(at, kMaxZlibChunk);
      crcs[i] = crc32(crcs[i], reinterpret_cast<const Bytef*>(piece.data()),
                      static_cast<uInt>(piece.size()));
    }
    ok[i] = Deflate(part, level, -15, i + 1 == threads, parts[i]) ? 1 : 0;
  };
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < threads; ++i) helpers.emplace_back(run, i);
  run(0);
  for (auto& helper : helpers) helper.join();
  if (std::find(ok.begin(), ok.end(), 0) != ok.end()) return {};
  size_t total = 18;
  for (const auto& part : parts) total += part.size();
  out.reserve(total);
  out.append("\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03", 10);
  uLong crc = crcs[0];
  for (size_t i = 0; i < threads; ++i) {
    out.append(parts[i]);
    if (i > 0) {
      crc = crc32_combine(crc, crcs[i], static_cast<z_off_t>(data.substr(i * slice, slice).size()));
    }
    std::string().swap(parts[i]);
  }
  PutLittleEndian32(out, static_cast<uint32_t>(crc));
  PutLittleEndian32(out, static_cast<uint32_t>(data.size() & 0xffffffffu));
  return out;
}

}  // namespace statehouse::http
