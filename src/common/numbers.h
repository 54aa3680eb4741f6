#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace statehouse {

// The whole of `text` as a decimal integer of type T: an optional '-' (for
// signed T) then digits, nothing else (no '+', no spaces). nullopt when
// `text` is empty, has any other character or is out of T's range. The one
// integer parser for query parameters, path parameters and tokens.
template <std::integral T>
std::optional<T> ParseInt(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace statehouse
