#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.h"

namespace statehouse::http {

// Inflates a gzip (or zlib) stream. Fails with kPayloadTooLarge when the
// output would exceed `max_output_bytes` (stops inflating there, so a gzip
// bomb costs at most that much memory) and kInvalidArgument on a corrupt or
// truncated stream.
Result<std::string> GzipInflate(std::string_view compressed, size_t max_output_bytes);

// Compresses `data` as a single gzip member at the given zlib level (1..9).
std::string GzipDeflate(std::string_view data, int level = 1);

}  // namespace statehouse::http
