// Delta checkpoints (src/deployment/delta.cc). The input is "<base>\0<delta
// JSON array>" (no NUL: all of it is the delta, over an empty base):
// ParseDeploymentDelta, ApplyTextEdits and AssembleCheckpoint must agree, and
// an applied result must have the length the edits imply.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"

#include "deployment/delta.h"

namespace dep = statehouse::deployment;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view base;
  std::string_view delta = input;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    base = input.substr(0, nul);
    delta = input.substr(nul + 1);
  }
  auto edits = dep::ParseDeploymentDelta(delta);
  std::string delta_text(delta);
  auto assembled = dep::AssembleCheckpoint(std::string(base), {{1, delta_text}});
  if (!edits) {
    Check(!assembled);  // an unreadable delta cannot assemble
    return 0;
  }
  auto applied = dep::ApplyTextEdits(base, *edits);
  Check(applied.has_value() == assembled.has_value());
  if (!applied) return 0;
  Check(*applied == *assembled);
  size_t expected = base.size();
  for (const auto& edit : *edits) expected = expected - (edit.end - edit.start) + edit.new_text.size();
  Check(applied->size() == expected);
  // The same delta twice in the log is applied twice, in ordinal order.
  auto twice = dep::AssembleCheckpoint(std::string(base), {{2, delta_text}, {1, delta_text}});
  auto again = dep::ApplyTextEdits(*applied, *edits);
  Check(twice.has_value() == again.has_value());
  Check(!twice || *twice == *again);
  return 0;
}
