#include "api/endpoint.h"

#include <utility>

#include <fmt/format.h>

#include "common/numbers.h"
#include "http/error_mapping.h"

namespace statehouse::api {

http::Handler Guard(auth::Authorizer& authorizer, auth::Need need, ApiHandler handler,
                    bool read_only) {
  return [&authorizer, need, read_only,
          handler = std::move(handler)](http::Request& request) -> http::Response {
    auth::Access access;
    if (need == auth::Need::kUpdateToken) {
      auto granted = authorizer.AuthorizeUpdateToken(
          request.Header("authorization"), request.Param("org"), request.Param("project"),
          request.Param("stack"), request.Param("updateID"));
      if (!granted) return http::ErrorResponse(granted.error());
      access = std::move(*granted);
    } else if (need != auth::Need::kPublic) {
      // An Authorization header wins; without one, a console session cookie.
      auto header = request.Header("authorization");
      auto cookie = header ? std::nullopt : request.Cookie(auth::kSessionCookieName);
      auto granted =
          cookie ? authorizer.CheckSession(
                       auth::SessionCredentials{*cookie, request.Header(auth::kCsrfHeader),
                                                request.method != "GET" && request.method != "HEAD"},
                       need, request.Param("org"), request.Param("project"),
                       request.Param("stack"), request.remote_address, read_only)
                 : authorizer.Check(header, need, request.Param("org"), request.Param("project"),
                                    request.Param("stack"), request.remote_address, read_only);
      if (!granted) return http::ErrorResponse(granted.error());
      access = std::move(*granted);
    }
    access.source_ip = request.remote_address;
    auto response = handler(request, access);
    if (!response) {
      if (response.error().code == ErrorCode::kPermissionDenied && need != auth::Need::kPublic) {
        authorizer.RecordDenial(access);
      }
      return http::ErrorResponse(response.error());
    }
    return std::move(*response);
  };
}

void AddRoute(http::Router& router, auth::Authorizer& authorizer, std::string_view method,
              std::string_view path_template, auth::Need need, ApiHandler handler,
              http::RouteOptions options) {
  router.Add(method, path_template, Guard(authorizer, need, std::move(handler), method == "GET"),
             options);
}

Result<int> QueryInt(const http::Request& request, std::string_view name, int fallback) {
  auto raw = request.Query(name);
  if (!raw) return fallback;
  auto value = ParseInt<int>(*raw);
  if (!value) return Fail(Error::InvalidArgument(fmt::format("Invalid {}: must be an integer", name)));
  return *value;
}

Result<bool> QueryBool(const http::Request& request, std::string_view name, bool fallback) {
  auto raw = request.Query(name);
  if (!raw || raw->empty()) return fallback;
  if (*raw == "true" || *raw == "1") return true;
  if (*raw == "false" || *raw == "0") return false;
  return Fail(Error::InvalidArgument(
      fmt::format("Invalid query parameter '{}': must be true or false", name)));
}

http::Response JsonOk(std::string body) { return http::Response::Json(200, std::move(body)); }

}  // namespace statehouse::api
