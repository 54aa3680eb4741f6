#pragma once

// A fuzz target's expectation: when it fails, the target aborts (a finding
// libFuzzer records) after naming the expression and line.
#include <cstdio>
#include <cstdlib>

#define Check(ok) ::fuzz_check::At(static_cast<bool>(ok), #ok, __FILE__, __LINE__)

namespace fuzz_check {
inline void At(bool ok, const char* what, const char* file, int line) {
  if (!ok) {
    std::fprintf(stderr, "%s:%d: expectation failed: %s\n", file, line, what);
    std::abort();
  }
}
}  // namespace fuzz_check
