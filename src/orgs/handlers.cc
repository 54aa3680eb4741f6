#include "orgs/handlers.h"

#include <boost/json.hpp>

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/json_util.h"

namespace statehouse::orgs {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

// GET /api/orgs/{org}: Pulumi Cloud's Organization fields plus the settings this
// server keeps (Statehouse extension: defaultStackPermission, userRole).
bj::object OrgJson(const storage::OrgRecord& org, storage::OrgRole caller_role) {
  return bj::object{{"githubLogin", org.name},
                    {"name", org.name},
                    {"avatarUrl", ""},
                    {"repos", bj::array{}},
                    {"id", org.id},
                    {"created", json::Rfc3339(org.created)},
                    {"defaultStackPermission", org.default_stack_permission},
                    {"userRole", OrgRoleName(caller_role)}};
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, OrgService& service) {
  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}/members"),
                Need::kOrgMember,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  if (auto type = request.Query("type");
                      type && *type != "frontend" && *type != "backend") {
                    return Fail(Error::InvalidArgument(
                        "Invalid query parameter 'type': must be 'frontend' or 'backend'"));
                  }
                  SH_ASSIGN_OR_RETURN(auto members, service.ListMembers(access));
                  bj::array out;
                  for (const auto& m : members) out.push_back(MemberJson(m));
                  return api::JsonOk(json::Serialize(bj::object{{"members", std::move(out)}}));
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(api::kOrgPath, "/api/orgs/{org}/members/{username}"), Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.RemoveMember(access, std::string(request.Param("username"))));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "PATCH",
                api::Path(api::kOrgPath, "/api/orgs/{org}/members/{username}"), Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto role, json::OptionalString(body, "role"));
                  SH_ASSIGN_OR_RETURN(auto parsed, ParseOrgRole(role, std::nullopt));
                  SH_TRY(service.SetMemberRole(access, std::string(request.Param("username")),
                                               parsed));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}"),
                Need::kOrgMember,
                [](const Request&, const Access& access) -> Result<Response> {
                  return api::JsonOk(json::Serialize(OrgJson(*access.org, access.org_role)));
                });

  api::AddRoute(router, authorizer, "PATCH", api::Path(api::kOrgPath, "/api/orgs/{org}"),
                Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto permission,
                                      json::OptionalInt(body, "setDefaultStackPermission"));
                  if (!permission) {
                    return Fail(Error::InvalidArgument(
                        "Invalid organization settings: this server supports only "
                        "'setDefaultStackPermission'"));
                  }
                  if (*permission < 0 || *permission > 1000) {
                    return Fail(Error::InvalidArgument(
                        "Invalid field 'setDefaultStackPermission': must be 0, 101 or 102"));
                  }
                  SH_ASSIGN_OR_RETURN(auto org, service.SetDefaultStackPermission(
                                                    access, static_cast<int>(*permission)));
                  return api::JsonOk(json::Serialize(OrgJson(org, access.org_role)));
                });
}

}  // namespace statehouse::orgs
