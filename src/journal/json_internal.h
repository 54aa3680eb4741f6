#pragma once

// simdjson plumbing shared by the journal module's .cc files (not a public
// header: it pulls in simdjson).

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace statehouse::journal::internal {

// Per-thread parsers. The on-demand parser is used for one document at a
// time: finish a document before parsing another one.
simdjson::ondemand::parser& OnDemand();

// Fully validates `padded` (an owned string with spare capacity of at least
// SIMDJSON_PADDING) as JSON. kInvalidArgument "<what>: malformed JSON".
Result<void> Validate(const std::string& padded, std::string_view what);

inline simdjson::padded_string_view View(const std::string& padded) {
  return simdjson::padded_string_view(padded.data(), padded.size(), padded.capacity());
}

std::string_view TrimRight(std::string_view v);

// The exact bytes of `value` (any JSON type), trailing whitespace trimmed.
simdjson::error_code RawValue(simdjson::ondemand::value& value, std::string_view& out);

// Optional string: null/absent -> "", string -> unescaped copy.
Result<void> ReadString(simdjson::ondemand::value& value, std::string& out, std::string_view what);
// Optional bool: null -> false.
Result<void> ReadBool(simdjson::ondemand::value& value, bool& out, std::string_view what);
// Optional array of strings: null -> empty.
Result<void> ReadStringArray(simdjson::ondemand::value& value, std::vector<std::string>& out,
                             std::string_view what);
bool IsNull(simdjson::ondemand::value& value);

}  // namespace statehouse::journal::internal
