#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace statehouse::api {

// An OpenAPI 3.0 document (JSON text) describing exactly `routes`, given as
// (method, path template) pairs in the router's syntax ("{name}" parameters,
// a last "{name*}" tail). Routes outside "/api/" are left out. Each
// operation gets a unique operationId derived from its method and path, its
// path parameters (strings, required), a JSON request body for POST, PATCH
// and PUT, and the house's error body for every non-2xx answer. Operations
// appear in the order given; the same input always gives the same text.
std::string OpenApiDocument(const std::vector<std::pair<std::string, std::string>>& routes);

}  // namespace statehouse::api
