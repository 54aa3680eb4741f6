#pragma once

#include <functional>

#include "auth/authorizer.h"
#include "common/error.h"
#include "http/message.h"
#include "http/router.h"

namespace statehouse::api {

// An API handler: runs only after the guard has authenticated the caller and
// the Authorizer has granted the route's Need. Returns a response or an error
// value (mapped to HTTP in exactly one place, src/http/error_mapping.cc).
using ApiHandler = std::function<Result<http::Response>(const http::Request&, const auth::Access&)>;

// Wraps `handler` so that every call first authenticates (unless kPublic) and
// authorizes. Credentials: the Authorization header, else the console's
// session cookie (Authorizer::CheckSession; every method but GET and HEAD
// must then carry the session's X-CSRF-Token, or gets 403). It
// authorizes `need` against the route's {org}/{project}/{stack} parameters.
// The Authorizer publishes the security events of the request (user-login,
// user-login-failed, auth failures) with the caller's address as source IP;
// a handler's kPermissionDenied is reported to it as well
// (Authorizer::RecordDenial). Access::source_ip is set for the handler.
// `read_only` routes (GET) may be authorized from a cached access read (see
// Authorizer::Check).
http::Handler Guard(auth::Authorizer& authorizer, auth::Need need, ApiHandler handler,
                    bool read_only = false);

// Registers a guarded route; GET routes are read_only.
void AddRoute(http::Router& router, auth::Authorizer& authorizer, std::string_view method,
              std::string_view path_template, auth::Need need, ApiHandler handler,
              http::RouteOptions options = {});

// The integer query parameter `name`, or `fallback` when absent.
// kInvalidArgument naming the parameter when it is not an integer.
Result<int> QueryInt(const http::Request& request, std::string_view name, int fallback);

// The boolean query parameter `name` ("true"/"1", "false"/"0"), or
// `fallback` when absent or empty. kInvalidArgument naming it otherwise.
Result<bool> QueryBool(const http::Request& request, std::string_view name, bool fallback);

// A 200 response with a serialized JSON body.
http::Response JsonOk(std::string body);

}  // namespace statehouse::api
