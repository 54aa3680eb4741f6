#include "test/integration/openapi_schema.h"

#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

namespace statehouse::testing {

namespace json = boost::json;

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    out.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

bool IsDateTime(std::string_view text) {
  static const std::regex kRfc3339(
      R"(^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)");
  return std::regex_match(text.begin(), text.end(), kRfc3339);
}

// Standard, padded base64 (Go's encoding of []byte).
bool IsBase64(std::string_view text) {
  if (text.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) return false;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  }
  return pad <= 2;
}

std::string Kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "?";
}

std::string Escape(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace

std::optional<OpenApiSpec> OpenApiSpec::Load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot open " + path;
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(buffer.str(), ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("paths")) {
    if (error) *error = "not an OpenAPI document: " + path;
    return std::nullopt;
  }
  return OpenApiSpec(std::move(doc));
}

const json::object* OpenApiSpec::FindOperation(std::string_view method, std::string_view path,
                                               std::string* template_out) const {
  std::string lower(method);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::vector<std::string_view> want = Segments(path);
  const json::object* best = nullptr;
  int best_score = -1;
  for (const auto& [templ, item] : document_.at("paths").as_object()) {
    const std::vector<std::string_view> have = Segments(templ);
    if (have.size() != want.size() || !item.is_object()) continue;
    int score = 0;
    bool match = true;
    for (size_t i = 0; i < have.size() && match; ++i) {
      if (have[i].starts_with('{') && have[i].ends_with('}')) continue;
      if (have[i] != want[i]) match = false;
      ++score;
    }
    if (!match || score <= best_score) continue;
    const json::value* op = item.as_object().if_contains(lower);
    if (op == nullptr || !op->is_object()) continue;
    best = &op->as_object();
    best_score = score;
    if (template_out) *template_out = std::string(templ);
  }
  return best;
}

std::vector<std::string> OpenApiSpec::SuccessStatuses(const json::object& operation) {
  std::vector<std::string> out;
  if (const json::value* responses = operation.if_contains("responses")) {
    for (const auto& [status, response] : responses->as_object()) {
      if (status.starts_with("2")) out.emplace_back(status);
    }
  }
  return out;
}

const json::value* OpenApiSpec::ResponseSchema(const json::object& operation,
                                               std::string_view status) {
  const json::value* responses = operation.if_contains("responses");
  if (responses == nullptr) return nullptr;
  const json::value* response = responses->as_object().if_contains(status);
  if (response == nullptr || !response->is_object()) return nullptr;
  const json::value* content = response->as_object().if_contains("content");
  if (content == nullptr || !content->is_object()) return nullptr;
  for (const auto& [type, media] : content->as_object()) {
    if (const json::value* schema = media.as_object().if_contains("schema")) return schema;
  }
  return nullptr;
}

const json::value* OpenApiSpec::Component(std::string_view name) const {
  return document_.at("components").at("schemas").as_object().if_contains(name);
}

const json::value* OpenApiSpec::Resolve(const json::value& schema, std::string* component) const {
  const json::value* at = &schema;
  for (int hops = 0; hops < 32 && at->is_object(); ++hops) {
    const json::value* ref = at->as_object().if_contains("$ref");
    if (ref == nullptr) return at;
    constexpr std::string_view kPrefix = "#/components/schemas/";
    std::string_view target = ref->as_string();
    if (!target.starts_with(kPrefix)) return nullptr;
    at = Component(target.substr(kPrefix.size()));
    if (at == nullptr) return nullptr;
    if (component != nullptr) *component = std::string(target.substr(kPrefix.size()));
  }
  return at->is_object() ? at : nullptr;
}

SchemaReport OpenApiSpec::Validate(const json::value& schema, const json::value& instance) const {
  SchemaReport report;
  Check(schema, instance, "", false, report, 0);
  return report;
}

void OpenApiSpec::Check(const json::value& raw_schema, const json::value& instance,
                        const std::string& where, bool nullable, SchemaReport& report,
                        int depth) const {
  const std::string at = where.empty() ? "/" : where;
  if (depth > 64) {
    report.errors.push_back(at + ": schema nesting too deep");
    return;
  }
  std::string component;
  const json::value* resolved = Resolve(raw_schema, &component);
  if (resolved == nullptr) {
    report.errors.push_back(at + ": unresolvable schema " + json::serialize(raw_schema));
    return;
  }
  const json::object& schema = resolved->as_object();
  const json::value* type = schema.if_contains("type");
  const std::string type_name = type && type->is_string() ? std::string(type->as_string())
                                : schema.contains("properties") || schema.contains("allOf")
                                    ? "object"
                                    : "";

  // A bare {"type":"object"} (no properties, additionalProperties or allOf)
  // is how the description writes Go's interface{} and json.RawMessage: any
  // JSON value.
  if (type_name == "object" && !schema.contains("properties") &&
      !schema.contains("additionalProperties") && !schema.contains("allOf")) {
    return;
  }

  if (instance.is_null()) {
    if (nullable || type_name == "object" || type_name == "array" || type_name.empty()) return;
    report.errors.push_back(at + ": null where a " + type_name + " is required");
    return;
  }

  if (const json::value* all = schema.if_contains("allOf")) {
    for (const json::value& branch : all->as_array()) {
      SchemaReport inner;
      Check(branch, instance, where, nullable, inner, depth + 1);
      report.errors.insert(report.errors.end(), inner.errors.begin(), inner.errors.end());
    }
  }

  // Go's []byte: the description's generator writes it as an array of
  // "byte" strings, but Go marshals it as one standard base64 string.
  if (type_name == "array" && schema.contains("items")) {
    const json::value* items = Resolve(schema.at("items"));
    if (items != nullptr && items->as_object().if_contains("format") != nullptr &&
        items->as_object().at("format") == "byte") {
      if (!instance.is_string()) {
        report.errors.push_back(at + ": " + Kind(instance) +
                                " where the schema says []byte (a base64 string)");
      } else if (!IsBase64(instance.as_string())) {
        report.errors.push_back(at + ": " + json::serialize(instance) +
                                " is not standard base64");
      }
      return;
    }
  }

  if (!type_name.empty()) {
    const std::string kind = Kind(instance);
    bool ok = kind == type_name || (type_name == "number" && kind == "integer");
    if (!ok) {
      report.errors.push_back(at + ": " + kind + " where the schema says " + type_name);
      return;
    }
  }

  if (const json::value* values = schema.if_contains("enum")) {
    bool found = false;
    for (const json::value& v : values->as_array()) {
      if (v == instance || (v.is_number() && instance.is_number() &&
                            v.to_number<double>() == instance.to_number<double>())) {
        found = true;
        break;
      }
    }
    if (!found) {
      report.errors.push_back(at + ": " + json::serialize(instance) + " is not one of " +
                              json::serialize(*values));
    }
  }

  if (const json::value* format = schema.if_contains("format"); format && format->is_string()) {
    const std::string_view f = format->as_string();
    if (f == "date-time" && instance.is_string() && !IsDateTime(instance.as_string())) {
      report.errors.push_back(at + ": " + json::serialize(instance) + " is not an RFC 3339 date-time");
    } else if (f == "byte" && instance.is_string() && !IsBase64(instance.as_string())) {
      report.errors.push_back(at + ": " + json::serialize(instance) + " is not standard base64");
    } else if (f == "int32" && instance.is_int64() &&
               (instance.as_int64() < std::numeric_limits<int32_t>::min() ||
                instance.as_int64() > std::numeric_limits<int32_t>::max())) {
      report.errors.push_back(at + ": " + json::serialize(instance) + " is out of int32 range");
    }
  }

  if (instance.is_array()) {
    if (const json::value* items = schema.if_contains("items")) {
      const json::array& array = instance.as_array();
      for (size_t i = 0; i < array.size(); ++i) {
        Check(*items, array[i], where + "/" + std::to_string(i), false, report, depth + 1);
      }
    }
    return;
  }

  if (!instance.is_object()) return;
  const json::object& object = instance.as_object();
  std::set<std::string> required;
  if (const json::value* names = schema.if_contains("required")) {
    for (const json::value& n : names->as_array()) required.emplace(n.as_string());
  }
  for (const std::string& name : required) {
    if (!object.contains(name)) report.errors.push_back(at + ": missing required '" + name + "'");
  }
  const json::value* properties = schema.if_contains("properties");
  const json::value* additional = schema.if_contains("additionalProperties");
  // Property names declared across allOf branches, for unknown-name notes.
  std::set<std::string> known;
  std::vector<const json::value*> pending{resolved};
  while (!pending.empty()) {
    const json::value* s = Resolve(*pending.back());
    pending.pop_back();
    if (s == nullptr) continue;
    if (const json::value* p = s->as_object().if_contains("properties")) {
      for (const auto& [name, sub] : p->as_object()) known.emplace(name);
    }
    if (const json::value* all = s->as_object().if_contains("allOf")) {
      for (const json::value& branch : all->as_array()) pending.push_back(&branch);
    }
  }
  for (const auto& [name, value] : object) {
    const std::string child = where + "/" + Escape(name);
    const json::value* sub = properties ? properties->as_object().if_contains(name) : nullptr;
    if (sub != nullptr) {
      const bool nullable = !required.contains(std::string(name)) ||
                            go_pointers_.contains(component + "." + std::string(name));
      Check(*sub, value, child, nullable, report, depth + 1);
    } else if (additional != nullptr && additional->is_object()) {
      Check(*additional, value, child, false, report, depth + 1);
    } else if (additional != nullptr && additional->is_bool() && !additional->as_bool()) {
      report.errors.push_back(child + ": property not allowed");
    } else if (!known.contains(std::string(name))) {
      report.unknown.push_back(child);
    }
  }
}

}  // namespace statehouse::testing
