#pragma once

// Delta checkpoints: the CLI sends text edits against the previously saved
// deployment text, with byte offsets. Applying them must reproduce the CLI's
// new text exactly, which is then checked against the SHA-256 the CLI sent.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace statehouse::deployment {

// Replace baseline bytes [start, end) with `new_text`.
struct TextEdit {
  size_t start = 0;
  size_t end = 0;
  std::string new_text;
};

// Parses a `deploymentDelta` JSON array of gotextdiff TextEdits
// ({"Span":{"start":{"offset":S},"end":{"offset":E}},"NewText":"..."}); only
// offsets and NewText matter. kInvalidArgument when malformed.
Result<std::vector<TextEdit>> ParseDeploymentDelta(std::string_view json_array);

// Applies `edits` to `base` in array order. Edits must be in range, each
// with start <= end, and must not go backwards (start >= previous end);
// otherwise kInvalidArgument and nothing is produced.
Result<std::string> ApplyTextEdits(std::string_view base, const std::vector<TextEdit>& edits);

// One entry of a checkpoint's delta log: its position in the log and the
// deploymentDelta array it holds.
struct LoggedDelta {
  int64_t ordinal = 0;
  std::string delta_json;
};

// The text of a checkpoint kept as a base text plus a log of deltas: `base`
// with every delta of `log` applied in ordinal order (`log` may come in any
// order). kInternal (detail "stored delta unreadable: ..." or "stored delta
// does not apply: ...") when an entry is not a valid delta for the text before
// it.
Result<std::string> AssembleCheckpoint(std::string base, std::vector<LoggedDelta> log);

}  // namespace statehouse::deployment
