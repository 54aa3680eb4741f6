#pragma once

// Standard base64 (RFC 4648 §4: alphabet A-Z a-z 0-9 + /, '=' padding), the
// encoding of every byte field on the Pulumi wire.

#include <optional>
#include <string>
#include <string_view>

namespace statehouse::crypto {

// Padded standard base64 of `data`.
std::string Base64Encode(std::string_view data);

// Decodes padded standard base64. Strict: the length must be a multiple of
// four, padding is required, no whitespace or URL-safe characters, and the
// unused bits of the last group must be zero (so every byte string has
// exactly one accepted encoding). nullopt when `text` is not such an
// encoding. The empty string decodes to the empty byte string.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace statehouse::crypto
