#pragma once

// Reads the bodies of the checkpoint routes (full, verbatim, delta) without
// a DOM: scalar fields are decoded, deployment values are returned as the
// exact bytes of the request.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace statehouse::updates {

struct CheckpointRequest {
  std::optional<int64_t> version;
  std::optional<int64_t> sequence_number;
  std::optional<std::string> checkpoint_hash;
  // Exact bytes of these fields' values (objects or arrays); nullopt when
  // absent or null.
  std::optional<std::string_view> deployment;          // full
  std::optional<std::string_view> features;            // full
  std::optional<std::string_view> untyped_deployment;  // verbatim
  std::optional<std::string_view> deployment_delta;    // delta
};

// Parses `body`, a JSON object. The returned views point into `body`.
// kInvalidArgument naming the field when the body is malformed or a known
// field has the wrong type.
Result<CheckpointRequest> ParseCheckpointRequest(std::string_view body);

}  // namespace statehouse::updates
