#include "stacks/handlers.h"

#include <fmt/format.h>

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/deployment.h"
#include "json/json_util.h"

namespace statehouse::stacks {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

bj::object StackJson(const storage::StackRecord& s) {
  bj::object tags;
  for (const auto& [k, v] : s.tags) tags[k] = v;
  return bj::object{{"id", s.id},
                    {"orgName", s.org_name},
                    {"projectName", s.project},
                    {"stackName", s.name},
                    {"activeUpdate", s.active_update},
                    {"tags", std::move(tags)},
                    {"version", s.version}};
}

bj::object StackSummaryJson(const storage::StackRecord& s) {
  bj::object out{{"id", s.id}, {"orgName", s.org_name}, {"projectName", s.project}, {"stackName", s.name}};
  if (s.version > 0 || s.last_update > 0) {
    out["lastUpdate"] = s.last_update;
    out["resourceCount"] = s.resource_count;
  }
  return out;
}

std::optional<std::string> NonEmpty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, StackService& service,
                    size_t state_body_limit, OperationLookup current_operation) {
  api::AddRoute(router, authorizer, "GET", api::Path(api::kUserPath, "/api/user/stacks"),
                Need::kUser,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  ListStacksInput input;
                  input.organization = NonEmpty(request.Query("organization"));
                  input.project = NonEmpty(request.Query("project"));
                  input.tag_name = NonEmpty(request.Query("tagName"));
                  input.tag_value = request.Query("tagValue");
                  if (input.tag_value && !input.tag_name) input.tag_value = NonEmpty(input.tag_value);
                  input.continuation_token = NonEmpty(request.Query("continuationToken"));
                  SH_ASSIGN_OR_RETURN(input.max_results,
                                      api::QueryInt(request, "maxResults", 100));
                  SH_ASSIGN_OR_RETURN(auto page, service.List(access.principal, input));
                  bj::array stacks;
                  for (const auto& s : page.stacks) stacks.push_back(StackSummaryJson(s));
                  bj::object body{{"stacks", std::move(stacks)}};
                  if (page.continuation_token) body["continuationToken"] = *page.continuation_token;
                  return api::JsonOk(json::Serialize(body));
                });

  api::AddRoute(
      router, authorizer, "POST", api::Path(api::kProjectPath, "/api/stacks/{org}/{project}"),
      Need::kOrgMember,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
        CreateStackInput input;
        input.project = std::string(request.Param("project"));
        SH_ASSIGN_OR_RETURN(input.stack_name, json::RequiredString(body, "stackName"));
        SH_ASSIGN_OR_RETURN(auto tags, json::OptionalStringMap(body, "tags"));
        if (tags) input.tags = std::move(*tags);
        if (auto it = body.find("teams"); it != body.end() && !it->value().is_null() &&
                                         !it->value().is_array()) {
          return Fail(Error::InvalidArgument("Invalid field 'teams': expected an array of strings"));
        }
        if (body.contains("state") && !body.at("state").is_null()) {
          SH_ASSIGN_OR_RETURN(input.initial_state, json::RawObjectField(request.body, "state"));
        }
        SH_TRY(service.Create(access, std::move(input)));
        return api::JsonOk("{}");
      },
      http::RouteOptions{state_body_limit});

  api::AddRoute(router, authorizer, "HEAD",
                api::Path(api::kProjectPath, "/api/stacks/{org}/{project}"), Need::kOrgMember,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(bool exists, service.ProjectExists(
                                                       access, std::string(request.Param("project"))));
                  if (!exists) return Fail(Error::NotFound("Project not found"));
                  Response response;
                  response.status = 200;
                  response.content_type.clear();
                  return response;
                });

  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}"), Need::kStackRead,
                [current_operation](const Request& request,
                                    const Access& access) -> Result<Response> {
                  // Names match case-insensitively; the CLI wants its own spelling back.
                  storage::StackRecord echoed = *access.stack;
                  echoed.org_name = request.Param("org");
                  echoed.project = request.Param("project");
                  echoed.name = request.Param("stack");
                  bj::object body = StackJson(echoed);
                  if (current_operation) {
                    SH_ASSIGN_OR_RETURN(auto operation, current_operation(*access.stack));
                    if (operation) {
                      body["currentOperation"] = bj::object{{"kind", operation->kind},
                                                            {"author", operation->author},
                                                            {"started", operation->started}};
                    }
                  }
                  return api::JsonOk(json::Serialize(body));
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}"),
                Need::kStackAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  const char* force_name = request.Query("force") ? "force" : "forceDestroy";
                  SH_ASSIGN_OR_RETURN(bool force, api::QueryBool(request, force_name, false));
                  SH_TRY(service.Delete(access, force));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/rename"),
                Need::kStackAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto new_name, json::OptionalString(body, "newName"));
                  SH_ASSIGN_OR_RETURN(auto new_project, json::OptionalString(body, "newProject"));
                  SH_ASSIGN_OR_RETURN(auto update_id,
                                      service.Rename(access, new_project.value_or(""),
                                                     new_name.value_or(access.stack->name)));
                  // ImportStackResponse: the id of the "rename" update.
                  return api::JsonOk(boost::json::serialize(
                      boost::json::object{{"updateId", update_id}}));
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/transfer"),
                Need::kStackAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto to_org, json::RequiredString(body, "toOrg"));
                  SH_TRY(service.Transfer(access, to_org));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "PATCH",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/tags"),
                Need::kStackWrite,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto tags, json::AsStringMap(body, "tags"));
                  SH_TRY(service.ReplaceTags(access, tags));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/tags"),
                Need::kStackWrite,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto name, json::RequiredString(body, "name"));
                  SH_ASSIGN_OR_RETURN(auto value, json::OptionalString(body, "value"));
                  SH_TRY(service.AddTag(access, name, value.value_or("")));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "PATCH",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/tags/{tagName}"),
                Need::kStackWrite,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  SH_ASSIGN_OR_RETURN(auto name, json::OptionalString(body, "name"));
                  SH_ASSIGN_OR_RETURN(auto value, json::OptionalString(body, "value"));
                  std::string path_name(request.Param("tagName"));
                  if (name && *name != path_name) {
                    return Fail(Error::InvalidArgument(
                        "Invalid field 'name': must match the tag name in the path"));
                  }
                  SH_TRY(service.UpdateTag(access, path_name, value.value_or("")));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/tags/{tagName}"),
                Need::kStackWrite,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.DeleteTag(access, std::string(request.Param("tagName"))));
                  return Response::NoContent();
                });
}

}  // namespace statehouse::stacks
