// Deployment inspection (src/json/deployment.cc): InspectUntypedDeployment
// and InspectOwnedDeployment (with and without spare capacity) agree, and
// RawObjectField returns a span of the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"

#include "json/deployment.h"

namespace js = statehouse::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto copied = js::InspectUntypedDeployment(input);
  std::string owned(input);
  owned.reserve(size + js::kDeploymentPadding);
  auto in_place = js::InspectOwnedDeployment(owned);
  std::string tight(input);
  tight.shrink_to_fit();
  auto tight_result = js::InspectOwnedDeployment(tight);
  for (const auto* other : {&in_place, &tight_result}) {
    Check(copied.has_value() == other->has_value());
    Check(!copied || (copied->version == (*other)->version &&
                      copied->resource_count == (*other)->resource_count));
  }
  Check(!copied || (copied->version >= 1 && copied->resource_count >= 0));
  for (std::string_view field : {"deployment", "state", "checkpoint"}) {
    auto raw = js::RawObjectField(input, field);
    Check(!raw || !*raw || !(*raw)->empty());
    Check(!raw || !*raw || input.find(**raw) != std::string_view::npos);
  }
  return 0;
}
