#pragma once

#include <cstddef>
#include <string>

namespace statehouse {

// Source of cryptographically strong randomness. Injected so tests can be
// deterministic. Implementations must be thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with `n` random bytes.
  virtual void Fill(unsigned char* out, size_t n) = 0;

  // `n` random bytes as 2n lowercase hex digits.
  std::string Hex(size_t n);
  // A random RFC 4122 version-4 UUID in canonical textual form.
  std::string Uuid();
};

}  // namespace statehouse
