// The schema validator itself (no server): what it accepts and refuses.

#include "test/integration/openapi_schema.h"

#include <gtest/gtest.h>

namespace statehouse::testing {
namespace {

namespace json = boost::json;

OpenApiSpec Spec() {
  return OpenApiSpec(json::parse(R"({
    "paths": {
      "/api/stacks/{org}/{project}/{stack}": {"get": {"responses": {"200": {"content":
        {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
      "/api/stacks/{org}/{project}/{stack}/export": {"get": {"responses": {"204": {}}}}
    },
    "components": {"schemas": {
      "Thing": {"type": "object", "required": ["name", "when", "items"],
        "properties": {
          "name": {"type": "string"},
          "when": {"type": "string", "format": "date-time"},
          "blob": {"type": "string", "format": "byte"},
          "count": {"type": "integer", "format": "int32"},
          "kind": {"type": "string", "enum": ["a", "b"]},
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
          "map": {"type": "object", "additionalProperties": {"type": "integer"}},
          "bytes": {"type": "array", "items": {"type": "string", "format": "byte"}},
          "any": {"type": "object"}}},
      "Item": {"allOf": [{"$ref": "#/components/schemas/Base"},
        {"type": "object", "required": ["role"], "properties": {"role": {"type": "string"}}}]},
      "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    }}
  })"));
}

TEST(OpenApiSchemaTest, FindsOperationsByTemplate) {
  OpenApiSpec spec = Spec();
  std::string templ;
  const json::object* op = spec.FindOperation("GET", "/api/stacks/o/p/s/export", &templ);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(templ, "/api/stacks/{org}/{project}/{stack}/export");
  EXPECT_EQ(OpenApiSpec::SuccessStatuses(*op), std::vector<std::string>{"204"});
  EXPECT_EQ(OpenApiSpec::ResponseSchema(*op, "204"), nullptr);
  EXPECT_EQ(spec.FindOperation("POST", "/api/stacks/o/p/s/export"), nullptr);
  EXPECT_NE(spec.FindOperation("GET", "/api/stacks/o/p/s"), nullptr);
}

TEST(OpenApiSchemaTest, AcceptsAConformingBody) {
  OpenApiSpec spec = Spec();
  const json::value schema = json::parse(R"({"$ref": "#/components/schemas/Thing"})");
  SchemaReport ok = spec.Validate(schema, json::parse(R"({"name":"n","when":"2026-12-03T10:00:00Z",
      "blob":"aGk=","count":3,"kind":"a","items":[{"id":"1","role":"r"}],"map":{"x":1},
      "bytes":"AAEC","any":"text","extra":true})"));
  EXPECT_TRUE(ok.ok()) << ok.errors.front();
  EXPECT_EQ(ok.unknown, std::vector<std::string>{"/extra"});
  // Go's nil slice, map and pointer; an optional field sent as null.
  SchemaReport nils = spec.Validate(
      schema, json::parse(R"({"name":"n","when":"2026-12-03T10:00:00.5+01:00","items":null,
          "map":null,"kind":null})"));
  EXPECT_TRUE(nils.ok()) << nils.errors.front();
}

TEST(OpenApiSchemaTest, ReportsEachViolation) {
  OpenApiSpec spec = Spec();
  const json::value schema = json::parse(R"({"$ref": "#/components/schemas/Thing"})");
  SchemaReport bad = spec.Validate(schema, json::parse(R"({"name":null,"when":"yesterday",
      "blob":"not base64!","count":4294967296,"kind":"c","items":[{"role":1}],"map":{"x":"y"},"bytes":["AA=="]})"));
  const std::vector<std::string> expected = {
      "/name: null where a string is required",
      "/when: \"yesterday\" is not an RFC 3339 date-time",
      "/blob: \"not base64!\" is not standard base64",
      "/count: 4294967296 is out of int32 range",
      "/kind: \"c\" is not one of [\"a\",\"b\"]",
      "/items/0: missing required 'id'",
      "/items/0/role: integer where the schema says string",
      "/map/x: string where the schema says integer",
      "/bytes: array where the schema says []byte (a base64 string)",
  };
  for (const std::string& e : expected) {
    EXPECT_NE(std::find(bad.errors.begin(), bad.errors.end(), e), bad.errors.end()) << e;
  }
  EXPECT_EQ(bad.errors.size(), expected.size());
  SchemaReport missing = spec.Validate(schema, json::parse("{}"));
  EXPECT_EQ(missing.errors.size(), 3u);  // name, when, items
  EXPECT_FALSE(spec.Validate(schema, json::parse("[]")).ok());
}

}  // namespace
}  // namespace statehouse::testing
