#include "console/handlers.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/endpoint.h"
#include "api/paths.h"
#include "console/assets.h"
#include "http/error_mapping.h"
#include "json/json_util.h"

namespace statehouse::console {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

std::string_view ContentType(std::string_view path) {
  auto ends = [&](std::string_view ext) { return path.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".json")) return "application/json";
  return "application/octet-stream";
}

const Asset* FindAsset(std::string_view path) {
  auto assets = EmbeddedAssets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const Asset& a, std::string_view p) { return a.path < p; });
  if (it == assets.end() || it->path != path) return nullptr;
  return &*it;
}

void AddSecurityHeaders(Response& response) {
  response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
}

bool Under(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/');
}

std::string SessionCookie(std::string_view value, int64_t max_age, bool secure) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
                     auth::kSessionCookieName, value, max_age, secure ? "; Secure" : "");
}

bj::object SessionJson(const storage::UserRecord& user, const std::string* csrf, int64_t expires) {
  bj::object body{{"user", bj::object{{"login", user.login}, {"name", user.name}}}};
  if (csrf != nullptr) body["csrfToken"] = *csrf;
  if (expires != 0) body["expires"] = expires;
  return body;
}

}  // namespace

Response ServeConsole(std::string_view path) {
  if (Under(path, "/api") || Under(path, "/healthz") || Under(path, "/metrics")) {
    return http::ErrorResponse(ErrorCode::kNotFound, "Not Found: " + std::string(path));
  }
  Response response;
  const Asset* asset = nullptr;
  if (path.starts_with("/assets/")) {
    asset = FindAsset(path.substr(1));
    if (asset == nullptr) {
      response.status = 404;
      response.content_type = "text/plain; charset=utf-8";
      response.body = "Not Found\n";
      AddSecurityHeaders(response);
      return response;
    }
    response.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    asset = FindAsset("index.html");
    if (asset == nullptr) {
      return http::ErrorResponse(ErrorCode::kNotFound, "This build has no web console");
    }
    response.headers.emplace_back("Cache-Control", "no-cache");
  }
  response.content_type = std::string(ContentType(asset->path));
  response.body = std::string(asset->body);
  AddSecurityHeaders(response);
  return response;
}

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, SessionService& service,
                    ConsoleOptions options) {
  constexpr std::string_view kSession = "/api/console/session";
  api::AddRoute(
      router, authorizer, "POST", kSession, Need::kPublic,
      [&service, options](const Request& request, const Access& access) -> Result<Response> {
        // A JSON body only: a cross-site HTML form cannot send one without a
        // CORS preflight, so no other site can sign a browser in.
        auto type = request.Header("content-type");
        if (!type || !type->starts_with("application/json")) {
          return Fail(Error{ErrorCode::kUnsupportedMediaType,
                            "Unsupported Media Type: send application/json", {}});
        }
        SH_ASSIGN_OR_RETURN(bj::object body, json::ParseObject(request.body));
        SH_ASSIGN_OR_RETURN(std::string token, json::RequiredString(body, "accessToken"));
        SH_ASSIGN_OR_RETURN(SignedIn signed_in, service.SignIn(token, access.source_ip));
        Response response = Response::Json(
            201, json::Serialize(SessionJson(signed_in.user, &signed_in.csrf_token,
                                             signed_in.expires)));
        const int64_t max_age = std::max<int64_t>(1, signed_in.lifetime);
        response.headers.emplace_back("Set-Cookie", SessionCookie(signed_in.cookie, max_age,
                                                                  options.secure_cookie));
        response.headers.emplace_back("Cache-Control", "no-store");
        return response;
      });
  api::AddRoute(router, authorizer, "GET", kSession, Need::kUser,
                [](const Request& request, const Access& access) -> Result<Response> {
                  auto cookie = request.Header("authorization")
                                    ? std::nullopt
                                    : request.Cookie(auth::kSessionCookieName);
                  std::string csrf;
                  if (cookie) csrf = auth::Authorizer::CsrfTokenFor(*cookie);
                  Response response = api::JsonOk(json::Serialize(
                      SessionJson(access.principal.user, cookie ? &csrf : nullptr, 0)));
                  response.headers.emplace_back("Cache-Control", "no-store");
                  return response;
                });
  api::AddRoute(router, authorizer, "DELETE", kSession, Need::kUser,
                [&service, options](const Request& request,
                                    const Access& access) -> Result<Response> {
                  auto cookie = request.Header("authorization")
                                    ? std::nullopt
                                    : request.Cookie(auth::kSessionCookieName);
                  if (cookie) SH_TRY(service.SignOut(access, *cookie));
                  Response response = Response::NoContent();
                  response.headers.emplace_back("Set-Cookie",
                                                SessionCookie("", 0, options.secure_cookie));
                  return response;
                });
  router.SetFallback("console", [](Request& request) { return ServeConsole(request.path); });
}

}  // namespace statehouse::console
