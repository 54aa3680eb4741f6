#include "json/json_util.h"

#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace statehouse::json {

namespace {

Error WrongType(std::string_view field, std::string_view expected) {
  return Error::InvalidArgument(fmt::format("Invalid field '{}': expected {}", field, expected));
}

// False when a number anywhere in `value` overflowed to ±infinity (Boost.JSON
// parses 1e400 as inf and would serialize it as `Infinity`, which is not JSON).
// Depth is bounded by the parser's max_depth.
bool AllNumbersFinite(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(value.get_double());
    case boost::json::kind::array:
      for (const auto& item : value.get_array()) {
        if (!AllNumbersFinite(item)) return false;
      }
      return true;
    case boost::json::kind::object:
      for (const auto& entry : value.get_object()) {
        if (!AllNumbersFinite(entry.value())) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace

Result<boost::json::object> ParseObject(std::string_view body) {
  if (body.empty()) return Fail(Error::InvalidArgument("Request body is empty; expected a JSON object"));
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) return Fail(Error::InvalidArgument(fmt::format("Malformed JSON request body: {}", ec.message())));
  if (!value.is_object()) return Fail(Error::InvalidArgument("Request body must be a JSON object"));
  if (!AllNumbersFinite(value)) {
    return Fail(Error::InvalidArgument("Malformed JSON request body: number out of range"));
  }
  return std::move(value.as_object());
}

Result<std::optional<std::string>> OptionalString(const boost::json::object& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) return Fail(WrongType(field, "a string"));
  const auto& s = it->value().get_string();
  return std::optional<std::string>(std::string(s.data(), s.size()));
}

Result<std::string> RequiredString(const boost::json::object& obj, std::string_view field) {
  SH_ASSIGN_OR_RETURN(auto value, OptionalString(obj, field));
  if (!value) return Fail(Error::InvalidArgument(fmt::format("Missing required field '{}'", field)));
  return std::move(*value);
}

Result<std::optional<int64_t>> OptionalInt(const boost::json::object& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->value().is_null()) return std::optional<int64_t>();
  const auto& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.get_int64());
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v.get_uint64()));
  }
  if (v.is_double()) {
    double d = v.get_double();
    // Range first: converting a double outside int64's range is undefined.
    if (d > -9e18 && d < 9e18 && d == static_cast<double>(static_cast<int64_t>(d))) {
      return std::optional<int64_t>(static_cast<int64_t>(d));
    }
  }
  return Fail(WrongType(field, "an integer"));
}

Result<std::optional<bool>> OptionalBool(const boost::json::object& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool()) return Fail(WrongType(field, "a boolean"));
  return std::optional<bool>(it->value().get_bool());
}

Result<std::map<std::string, std::string>> AsStringMap(const boost::json::value& value,
                                                       std::string_view what) {
  if (!value.is_object()) return Fail(WrongType(what, "an object of strings"));
  std::map<std::string, std::string> out;
  for (const auto& kv : value.get_object()) {
    if (!kv.value().is_string()) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid field '{}': value of '{}' must be a string", what,
                      std::string_view(kv.key().data(), kv.key().size()))));
    }
    const auto& s = kv.value().get_string();
    out.emplace(std::string(kv.key().data(), kv.key().size()), std::string(s.data(), s.size()));
  }
  return out;
}

Result<std::optional<std::map<std::string, std::string>>> OptionalStringMap(
    const boost::json::object& obj, std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->value().is_null()) {
    return std::optional<std::map<std::string, std::string>>();
  }
  SH_ASSIGN_OR_RETURN(auto map, AsStringMap(it->value(), field));
  return std::optional<std::map<std::string, std::string>>(std::move(map));
}

std::string Serialize(const boost::json::value& value) { return boost::json::serialize(value); }

std::string Rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace statehouse::json
