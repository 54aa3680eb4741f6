#include "teams/handlers.h"

#include <fmt/format.h>

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/json_util.h"

namespace statehouse::teams {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

bj::object TeamJson(const TeamView& view) {
  bj::array members;
  for (const auto& m : view.members) {
    members.push_back(bj::object{{"name", m.name},
                                 {"githubLogin", m.login},
                                 {"avatarUrl", ""},
                                 {"role", TeamRoleName(m.role)}});
  }
  bj::array stacks;
  for (const auto& g : view.stacks) {
    stacks.push_back(bj::object{
        {"projectName", g.project}, {"stackName", g.stack_name}, {"permission", g.permission}});
  }
  return bj::object{{"kind", "pulumi"},
                    {"name", view.team.name},
                    {"displayName", view.team.display_name},
                    {"description", view.team.description},
                    {"members", std::move(members)},
                    {"stacks", std::move(stacks)},
                    {"environments", bj::array{}},
                    {"userRole", TeamRoleName(view.caller_role)}};
}

bool Present(const bj::object& body, std::string_view field) {
  auto it = body.find(field);
  return it != body.end() && !it->value().is_null();
}

struct StackRef {
  std::string project;
  std::string stack;
  std::optional<int64_t> permission;
};

// Reads {projectName, stackName[, permission]} from body[field].
Result<StackRef> ReadStackRef(const bj::object& body, std::string_view field, bool with_permission) {
  const bj::value& value = body.at(field);
  if (!value.is_object()) {
    return Fail(Error::InvalidArgument(fmt::format("Invalid field '{}': expected an object", field)));
  }
  const bj::object& obj = value.as_object();
  StackRef ref;
  SH_ASSIGN_OR_RETURN(ref.project, json::RequiredString(obj, "projectName"));
  SH_ASSIGN_OR_RETURN(ref.stack, json::RequiredString(obj, "stackName"));
  if (with_permission) {
    SH_ASSIGN_OR_RETURN(ref.permission, json::OptionalInt(obj, "permission"));
    if (!ref.permission) {
      return Fail(Error::InvalidArgument(
          fmt::format("Invalid field '{}': 'permission' is required", field)));
    }
  }
  return ref;
}

Result<MemberAction> ParseMemberAction(const std::string& action) {
  if (action == "add") return MemberAction::kAdd;
  if (action == "remove") return MemberAction::kRemove;
  if (action == "promote") return MemberAction::kPromote;
  if (action == "demote") return MemberAction::kDemote;
  return Fail(Error::InvalidArgument(
      "Invalid field 'memberAction': must be 'add', 'remove', 'promote' or 'demote'"));
}

// One UpdateTeamRequest action: memberAction (+member), addStackPermission,
// editStackPermission, removeStack, or newDisplayName/newDescription.
Result<void> UpdateTeam(TeamService& service, const Access& access, const std::string& team,
                        const bj::object& body) {
  for (std::string_view env : {"addEnvironmentPermission", "editEnvironmentPermission",
                               "removeEnvironment"}) {
    if (Present(body, env)) {
      return Fail(Error::InvalidArgument(
          fmt::format("'{}' is not supported: this server has no environments", env)));
    }
  }
  const bool member = Present(body, "memberAction");
  const bool add = Present(body, "addStackPermission");
  const bool edit = Present(body, "editStackPermission");
  const bool remove = Present(body, "removeStack");
  const bool info = Present(body, "newDisplayName") || Present(body, "newDescription");
  const int actions = member + add + edit + remove + info;
  if (actions != 1) {
    return Fail(Error::InvalidArgument(
        "Invalid request: give exactly one of 'memberAction', 'addStackPermission', "
        "'editStackPermission', 'removeStack', or 'newDisplayName'/'newDescription'"));
  }
  if (member) {
    SH_ASSIGN_OR_RETURN(auto action_name, json::RequiredString(body, "memberAction"));
    SH_ASSIGN_OR_RETURN(auto action, ParseMemberAction(action_name));
    SH_ASSIGN_OR_RETURN(auto login, json::RequiredString(body, "member"));
    return service.ChangeMember(access, team, action, login);
  }
  if (add || edit) {
    SH_ASSIGN_OR_RETURN(auto ref, ReadStackRef(body, add ? "addStackPermission" : "editStackPermission",
                                               true));
    const int64_t permission = *ref.permission;
    if (permission != 101 && permission != 102 && permission != 103) {
      return Fail(Error::InvalidArgument(
          "Invalid stack permission: must be 101 (read), 102 (write) or 103 (admin)"));
    }
    return service.SetStackPermission(access, team, ref.project, ref.stack,
                                      static_cast<int>(permission), add);
  }
  if (remove) {
    SH_ASSIGN_OR_RETURN(auto ref, ReadStackRef(body, "removeStack", false));
    return service.RemoveStack(access, team, ref.project, ref.stack);
  }
  SH_ASSIGN_OR_RETURN(auto display_name, json::OptionalString(body, "newDisplayName"));
  SH_ASSIGN_OR_RETURN(auto description, json::OptionalString(body, "newDescription"));
  return service.UpdateInfo(access, team, display_name, description);
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, TeamService& service) {
  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kOrgPath, "/api/orgs/{org}/teams/pulumi"), Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto name, json::RequiredString(body, "name"));
                  SH_ASSIGN_OR_RETURN(auto display_name, json::OptionalString(body, "displayName"));
                  SH_ASSIGN_OR_RETURN(auto description, json::OptionalString(body, "description"));
                  SH_ASSIGN_OR_RETURN(auto view, service.Create(access, name,
                                                                display_name.value_or(""),
                                                                description.value_or("")));
                  return Response::Json(201, json::Serialize(TeamJson(view)));
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kOrgPath, "/api/orgs/{org}/teams/github"), Need::kOrgAdmin,
                [](const Request&, const Access&) -> Result<Response> {
                  return Fail(Error::InvalidArgument(
                      "GitHub teams are not supported by this self-hosted server; create a "
                      "Pulumi team with POST /api/orgs/{org}/teams/pulumi"));
                });

  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}/teams"),
                Need::kOrgMember,
                [&service](const Request&, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto views, service.List(access));
                  bj::array teams;
                  for (const auto& view : views) teams.push_back(TeamJson(view));
                  return api::JsonOk(json::Serialize(bj::object{{"teams", std::move(teams)}}));
                });

  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}/teams/{team}"),
                Need::kOrgMember,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto view,
                                      service.Get(access, std::string(request.Param("team"))));
                  return api::JsonOk(json::Serialize(TeamJson(view)));
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(api::kOrgPath, "/api/orgs/{org}/teams/{team}"), Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.Delete(access, std::string(request.Param("team"))));
                  return Response::NoContent();
                });

  // Base need: org member. The service decides between org admin and team
  // admin per action (403 otherwise).
  api::AddRoute(router, authorizer, "PATCH",
                api::Path(api::kOrgPath, "/api/orgs/{org}/teams/{team}"), Need::kOrgMember,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_TRY(UpdateTeam(service, access, std::string(request.Param("team")), body));
                  return Response::NoContent();
                });
}

}  // namespace statehouse::teams
