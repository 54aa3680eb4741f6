#include "tokens/handlers.h"

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/json_util.h"

namespace statehouse::tokens {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

Result<TokenFilter> ParseFilter(const Request& request) {
  auto filter = request.Query("filter");
  if (!filter) {
    auto show_expired = request.Query("show_expired");
    return show_expired && *show_expired == "true" ? TokenFilter::kAll : TokenFilter::kActive;
  }
  if (*filter == "active" || filter->empty()) return TokenFilter::kActive;
  if (*filter == "expired") return TokenFilter::kExpired;
  if (*filter == "all") return TokenFilter::kAll;
  return Fail(Error::InvalidArgument("Invalid filter: must be one of active, expired, all"));
}

bj::object TokenJson(const storage::TokenRecord& t, const std::string& created_by) {
  return bj::object{{"id", t.id},
                    {"name", t.name},
                    {"description", t.description},
                    {"created", json::Rfc3339(t.created)},
                    {"createdBy", created_by},
                    {"lastUsed", t.last_used},
                    {"expires", t.expires},
                    {"admin", false},
                    {"type", "personal"}};
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, TokenService& service) {
  api::AddRoute(router, authorizer, "GET", api::Path(api::kUserPath, "/api/user/tokens"),
                Need::kUser,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(TokenFilter filter, ParseFilter(request));
                  SH_ASSIGN_OR_RETURN(int max_results, api::QueryInt(request, "maxResults", 100));
                  SH_ASSIGN_OR_RETURN(auto page,
                                      service.List(access.principal, filter,
                                                   request.Query("continuationToken"), max_results));
                  bj::array tokens;
                  for (const auto& t : page.tokens) {
                    tokens.push_back(TokenJson(t, access.principal.user.login));
                  }
                  bj::object body{{"tokens", std::move(tokens)}};
                  if (page.continuation_token) body["continuationToken"] = *page.continuation_token;
                  return api::JsonOk(json::Serialize(body));
                });

  api::AddRoute(router, authorizer, "POST", api::Path(api::kUserPath, "/api/user/tokens"),
                Need::kUser,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto description, json::OptionalString(body, "description"));
                  SH_ASSIGN_OR_RETURN(auto name, json::OptionalString(body, "name"));
                  SH_ASSIGN_OR_RETURN(auto expires, json::OptionalInt(body, "expires"));
                  SH_ASSIGN_OR_RETURN(
                      auto minted, service.Create(access, name.value_or(""),
                                                  description.value_or(""), expires.value_or(0)));
                  return api::JsonOk(json::Serialize(
                      bj::object{{"id", minted.record.id}, {"tokenValue", minted.value}}));
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(api::kUserPath, "/api/user/tokens/{tokenId}"), Need::kUser,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.Delete(access, std::string(request.Param("tokenId"))));
                  return Response::NoContent();
                });
}

}  // namespace statehouse::tokens
