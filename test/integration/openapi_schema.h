#pragma once

// A validator for the subset of OpenAPI 3.0 / JSON Schema that the Pulumi
// Cloud description (shared/spec/pulumi-cloud-openapi.json) uses for response
// bodies: $ref (to #/components/schemas), allOf, type (object, array,
// string, integer, number, boolean), properties, required,
// additionalProperties (schema or boolean), items, enum, and the formats
// int32, int64, double, date-time and byte. An array of "byte" strings is
// Go's []byte, which Go sends as one standard base64 string; a bare
// {"type":"object"} is Go's interface{} or json.RawMessage (any value). Other keywords (description,
// x-*, discriminator, deprecated, example) do not constrain a response and
// are ignored.
//
// The description has no `nullable`; the real service is written in Go, so a
// JSON null is accepted where Go sends one for a nil value: an array, a map or
// an object (slice, map, pointer), or any property that is not required
// (a pointer field). A required string, number or boolean must not be null.

#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace statehouse::testing {

struct SchemaReport {
  std::vector<std::string> errors;    // violations, each "<JSON pointer>: what"
  std::vector<std::string> unknown;   // properties the schema does not name
  bool ok() const { return errors.empty(); }
};

class OpenApiSpec {
 public:
  // Parses the file; nullopt with `error` set when it cannot be read.
  static std::optional<OpenApiSpec> Load(const std::string& path, std::string* error);
  explicit OpenApiSpec(boost::json::value document) : document_(std::move(document)) {}

  // The operation for `method` (upper case) on a concrete request path
  // (no query), matching the description's path templates segment by
  // segment, literal segments preferred over parameters. nullptr if none.
  const boost::json::object* FindOperation(std::string_view method, std::string_view path,
                                           std::string* template_out = nullptr) const;
  // The 2xx response statuses the operation declares, e.g. {"200"}.
  static std::vector<std::string> SuccessStatuses(const boost::json::object& operation);
  // The JSON schema of the operation's `status` response body; nullptr when
  // that response declares no body.
  static const boost::json::value* ResponseSchema(const boost::json::object& operation,
                                                  std::string_view status);

  // Marks `property` of component schema `component` as a Go pointer sent
  // without omitempty: required, yet null when nil.
  void AllowNull(std::string component, std::string property) {
    go_pointers_.insert(std::move(component) + "." + std::move(property));
  }

  // Validates `instance` against `schema` (resolving $refs in this spec).
  SchemaReport Validate(const boost::json::value& schema, const boost::json::value& instance) const;
  // The named component schema, or nullptr.
  const boost::json::value* Component(std::string_view name) const;

 private:
  void Check(const boost::json::value& schema, const boost::json::value& instance,
             const std::string& where, bool nullable, SchemaReport& report, int depth) const;
  // `schema` with $refs followed; `component` gets the last component name
  // followed (unchanged when there was no $ref).
  const boost::json::value* Resolve(const boost::json::value& schema,
                                    std::string* component = nullptr) const;

  boost::json::value document_;
  std::set<std::string> go_pointers_;
};

}  // namespace statehouse::testing
