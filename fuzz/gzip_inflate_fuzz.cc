// GzipInflate (src/http/gzip.cc) on arbitrary bytes with a small output cap:
// never more than the cap, errors only as kInvalidArgument/kPayloadTooLarge.
// The input also goes through GzipDeflate → GzipInflate, which must give it
// back unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check.h"

#include "http/gzip.h"

using statehouse::ErrorCode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr size_t kCap = 1 << 20;
  auto inflated = statehouse::http::GzipInflate(input, kCap);
  Check(!inflated || inflated->size() <= kCap);
  Check(inflated || inflated.error().code == ErrorCode::kInvalidArgument ||
        inflated.error().code == ErrorCode::kPayloadTooLarge);
  std::string deflated = statehouse::http::GzipDeflate(input, 1 + size % 9);
  auto round_trip = statehouse::http::GzipInflate(deflated, size);
  Check(round_trip && *round_trip == input);
  return 0;
}
