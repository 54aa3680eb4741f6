#pragma once

// Delta checkpoints: the CLI sends text edits against the previously saved
// deployment text, with byte offsets. Applying them must reproduce the CLI's
// new text exactly, which is then checked against the SHA-256 the CLI sent.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace statehouse::updates {

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

}  // namespace statehouse::updates
