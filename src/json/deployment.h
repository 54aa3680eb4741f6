#pragma once

// Byte-exact handling of deployment (state) documents with simdjson. A
// deployment is never round-tripped through a DOM: callers keep the bytes the
// client sent and only inspect them here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace statehouse::json {

// The exact bytes of the value of top-level field `field` of the JSON object
// in `body`, which must be an object value (nullopt when the field is absent or
// null). kInvalidArgument when `body` is not a JSON object or the field is not
// an object.
Result<std::optional<std::string>> RawObjectField(std::string_view body, std::string_view field);

struct DeploymentSummary {
  int64_t version = 0;
  int64_t resource_count = 0;
};

// Fully validates an UntypedDeployment text {"version": N, "deployment": {...}}
// and counts deployment.resources. kInvalidArgument naming what is wrong.
Result<DeploymentSummary> InspectUntypedDeployment(std::string_view text);
// Same; avoids copying `text` when its spare capacity already holds the
// parser's padding (see kDeploymentPadding).
Result<DeploymentSummary> InspectOwnedDeployment(const std::string& text);

// Spare capacity to reserve in a deployment text so it can be validated in place.
inline constexpr size_t kDeploymentPadding = 64;

}  // namespace statehouse::json
