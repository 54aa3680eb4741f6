#include "api/openapi_document.h"

#include <boost/json.hpp>

#include <cctype>
#include <set>

namespace statehouse::api {

namespace bj = boost::json;

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// "{name}" or "{name*}" → "name".
std::string_view ParameterName(std::string_view segment) {
  segment = segment.substr(1, segment.size() - 2);
  if (segment.ends_with('*')) segment.remove_suffix(1);
  return segment;
}

// Appends `word` to `id` with its first letter upper-cased and every
// character that is not a letter or digit dropped (the next one upper-cased).
void AppendWord(std::string& id, std::string_view word) {
  bool upper = true;
  for (char c : word) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    id.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
}

// "GET /api/stacks/{org}/{project}/{stack}/export/{version}" →
// "getStacksExportByVersion"-like ids: the method, the literal segments
// after "api", and "By<Param>" for a trailing parameter.
std::string OperationId(std::string_view method, const std::vector<std::string_view>& segments) {
  std::string id;
  for (char c : method) id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (size_t i = 1; i < segments.size(); ++i) {
    if (!IsParameter(segments[i])) AppendWord(id, segments[i]);
  }
  if (segments.size() > 1 && IsParameter(segments.back())) {
    id += "By";
    AppendWord(id, ParameterName(segments.back()));
  }
  return id;
}

bj::object ErrorResponse() {
  return bj::object{
      {"description", "An error: the HTTP status and a message."},
      {"content",
       bj::object{{"application/json",
                   bj::object{{"schema", bj::object{{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

std::string OpenApiDocument(const std::vector<std::pair<std::string, std::string>>& routes) {
  bj::object paths;
  std::set<std::string> ids;
  for (const auto& [method, path_template] : routes) {
    if (!path_template.starts_with("/api/")) continue;
    const std::vector<std::string_view> segments = Segments(path_template);
    std::string path;
    bj::array parameters;
    for (std::string_view segment : segments) {
      path += '/';
      if (!IsParameter(segment)) {
        path += segment;
        continue;
      }
      std::string_view name = ParameterName(segment);
      path += '{';
      path += name;
      path += '}';
      parameters.push_back(bj::object{{"name", name},
                                      {"in", "path"},
                                      {"required", true},
                                      {"schema", bj::object{{"type", "string"}}}});
    }
    std::string id = OperationId(method, segments);
    for (int n = 2; !ids.insert(id).second; ++n) {
      id = OperationId(method, segments) + std::to_string(n);
    }
    bj::object operation{
        {"operationId", id},
        {"responses",
         bj::object{{"2XX", bj::object{{"description", "Success."}}}, {"default", ErrorResponse()}}}};
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    if (method == "POST" || method == "PATCH" || method == "PUT") {
      operation["requestBody"] = bj::object{
          {"required", false},
          {"content", bj::object{{"application/json", bj::object{{"schema", bj::object{}}}}}}};
    }
    std::string lower;
    for (char c : method) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    bj::value& item = paths[path];
    if (!item.is_object()) item = bj::object{};
    item.as_object()[lower] = std::move(operation);
  }
  bj::object document{
      {"openapi", "3.0.3"},
      {"info", bj::object{{"title", "Statehouse REST API"},
                          {"description",
                           "The Pulumi Cloud REST API as this Statehouse server implements it, "
                           "generated from its route table."},
                          {"version", "1"}}},
      {"security", bj::array{bj::object{{"token", bj::array{}}}}},
      {"paths", std::move(paths)},
      {"components",
       bj::object{
           {"securitySchemes",
            bj::object{{"token", bj::object{{"type", "apiKey"},
                                              {"in", "header"},
                                              {"name", "Authorization"},
                                              {"description", "\"token <access token>\""}}}}},
           {"schemas",
            bj::object{{"Error",
                        bj::object{{"type", "object"},
                                   {"required", bj::array{"code", "message"}},
                                   {"properties",
                                    bj::object{{"code", bj::object{{"type", "integer"}}},
                                               {"message", bj::object{{"type", "string"}}}}}}}}}}}};
  return bj::serialize(document);
}

}  // namespace statehouse::api
