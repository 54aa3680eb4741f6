#include "common/random.h"

#include <vector>

namespace statehouse {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";
}

std::string Random::Hex(size_t n) {
  std::vector<unsigned char> bytes(n);
  Fill(bytes.data(), n);
  std::string out;
  out.reserve(2 * n);
  for (unsigned char b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xf]);
  }
  return out;
}

std::string Random::Uuid() {
  unsigned char b[16];
  Fill(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHexDigits[b[i] >> 4]);
    out.push_back(kHexDigits[b[i] & 0xf]);
  }
  return out;
}

}  // namespace statehouse
