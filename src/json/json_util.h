#pragma once

// Small-DTO helpers over Boost.JSON: parse a request body into an object and
// read typed fields, with 400-class errors that name the offending field.
// Include only from handler/service .cc files (Boost.JSON is heavy).

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace statehouse::json {

// Parses `body` as a JSON object. kInvalidArgument when it is not valid JSON,
// not an object, or holds a number beyond the range of a double (such as
// 1e400, which could not be written back as JSON).
Result<boost::json::object> ParseObject(std::string_view body);

// Field readers. A missing field or JSON null yields nullopt; a value of the
// wrong type yields kInvalidArgument naming the field.
Result<std::optional<std::string>> OptionalString(const boost::json::object& obj, std::string_view field);
Result<std::string> RequiredString(const boost::json::object& obj, std::string_view field);
Result<std::optional<int64_t>> OptionalInt(const boost::json::object& obj, std::string_view field);
Result<std::optional<bool>> OptionalBool(const boost::json::object& obj, std::string_view field);
// An object whose values are all strings.
Result<std::optional<std::map<std::string, std::string>>> OptionalStringMap(
    const boost::json::object& obj, std::string_view field);
// The whole value as a string map (e.g. a body that is itself a map).
Result<std::map<std::string, std::string>> AsStringMap(const boost::json::value& value,
                                                       std::string_view what);

std::string Serialize(const boost::json::value& value);

// RFC 3339 UTC timestamp ("2024-01-02T03:04:05Z") for Unix seconds.
std::string Rfc3339(int64_t unix_seconds);

}  // namespace statehouse::json
