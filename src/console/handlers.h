#pragma once

// The web console's HTTP side: its session endpoints and, for every GET or
// HEAD outside /api/, /healthz and /metrics, the embedded single-page app.
//
//   POST   /api/console/session  {"accessToken": "pul-..."} (Content-Type
//          application/json) -> 201 {"csrfToken","expires","user":{"login","name"}}
//          and Set-Cookie statehouse_session=...; HttpOnly; SameSite=Strict; Path=/
//          (Secure when the public URL is https). 401 for a bad token.
//   GET    /api/console/session  -> 200 the same body (csrfToken only with the cookie)
//   DELETE /api/console/session  -> 204, ends the session and clears the cookie
//
// Console pages: /assets/<name> are the hashed bundle files (cached for a
// year, immutable); any other path answers index.html (no-cache) and the app
// routes it. Every console response carries a strict Content-Security-Policy
// (scripts and styles from this origin only, nothing inline, no framing),
// X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer.

#include <string>

#include "auth/authorizer.h"
#include "console/service.h"
#include "http/router.h"

namespace statehouse::console {

struct ConsoleOptions {
  bool secure_cookie = false;  // the public URL is https
};

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, SessionService& service,
                    ConsoleOptions options);

// The console's response for GET `path` (raw request path): an asset,
// index.html, or a JSON 404 for paths under /api/, /healthz and /metrics.
http::Response ServeConsole(std::string_view path);

}  // namespace statehouse::console
