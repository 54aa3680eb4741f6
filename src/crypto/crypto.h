#pragma once

#include <string>
#include <string_view>

#include "common/random.h"

namespace statehouse::crypto {

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Constant-time comparison of two byte strings (length leaks, content does not).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Random source backed by OpenSSL RAND_bytes. Thread-safe. Aborts if the
// system RNG fails (an impossible start-up condition, not an input error).
class OpenSslRandom final : public Random {
 public:
  void Fill(unsigned char* out, size_t n) override;
};

}  // namespace statehouse::crypto
