#include "identity/handlers.h"

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/json_util.h"
#include "orgs/model.h"

namespace statehouse::identity {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;


}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, IdentityService& service) {
  api::AddRoute(router, authorizer, "GET", api::Path(api::kUserPath, "/api/user"), Need::kUser,
                [&service](const Request&, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto memberships, service.Memberships(access.principal));
                  bj::array orgs;
                  for (const auto& m : memberships) {
                    orgs.push_back(bj::object{{"githubLogin", m.org_name},
                                              {"name", m.org_name},
                                              {"avatarUrl", ""},
                                              {"role", orgs::OrgRoleName(m.role)}});
                  }
                  const auto& user = access.principal.user;
                  bj::object body{{"id", user.id},
                                  {"githubLogin", user.login},
                                  {"name", user.name},
                                  {"email", user.email},
                                  {"avatarUrl", ""},
                                  {"organizations", std::move(orgs)},
                                  {"identities", bj::array{}},
                                  {"siteAdmin", user.site_admin},
                                  // Statehouse has no second factor and no
                                  // externally managed (SCIM/multi-org) users.
                                  {"hasMFA", false},
                                  {"isManagedByMultiOrg", false},
                                  {"isOrgManaged", false}};
                  return api::JsonOk(json::Serialize(body));
                });

  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kUserPath, "/api/user/organizations/default"), Need::kUser,
                [&service](const Request&, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto name, service.DefaultOrgName(access.principal));
                  return api::JsonOk(
                      json::Serialize(bj::object{{"GitHubLogin", name}, {"Messages", bj::array{}}}));
                });

  api::AddRoute(router, authorizer, "POST", api::Path(api::kAdminPath, "/api/admin/users"),
                Need::kSiteAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto login, json::RequiredString(body, "login"));
                  SH_ASSIGN_OR_RETURN(auto name, json::OptionalString(body, "name"));
                  SH_ASSIGN_OR_RETURN(auto email, json::OptionalString(body, "email"));
                  SH_ASSIGN_OR_RETURN(
                      auto created,
                      service.CreateUser(access, login, name.value_or(""), email.value_or("")));
                  return Response::Json(201, json::Serialize(bj::object{
                                                 {"login", created.user.login},
                                                 {"name", created.user.name},
                                                 {"email", created.user.email},
                                                 {"token", created.token_value}}));
                });

  api::AddRoute(router, authorizer, "POST", api::Path(api::kAdminPath, "/api/admin/orgs"),
                Need::kSiteAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto name, json::RequiredString(body, "name"));
                  SH_ASSIGN_OR_RETURN(auto admin, json::RequiredString(body, "admin"));
                  SH_ASSIGN_OR_RETURN(auto org, service.CreateOrg(access, name, admin));
                  return Response::Json(201, json::Serialize(bj::object{{"name", org.name}}));
                });

  api::AddRoute(
      router, authorizer, "POST", api::Path(api::kOrgPath, "/api/orgs/{org}/members/{username}"),
      Need::kOrgAdmin,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        std::optional<std::string> role;
        if (!request.body.empty()) {
          SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
          SH_ASSIGN_OR_RETURN(role, json::OptionalString(body, "role"));
        }
        SH_ASSIGN_OR_RETURN(auto parsed_role, orgs::ParseOrgRole(role, storage::OrgRole::kMember));
        SH_ASSIGN_OR_RETURN(auto added,
                            service.AddMember(access, *access.org,
                                              std::string(request.Param("username")), parsed_role));
        auto& [user, membership] = added;
        return api::JsonOk(json::Serialize(orgs::MemberJson(
            storage::MemberRecord{std::move(user), membership.role, membership.created})));
      });
}

}  // namespace statehouse::identity
