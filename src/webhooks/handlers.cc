#include "webhooks/handlers.h"

#include <fmt/format.h>

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/json_util.h"

namespace statehouse::webhooks {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

bj::array StringArray(const std::vector<std::string>& values) {
  bj::array out;
  for (const auto& v : values) out.push_back(bj::string(v));
  return out;
}

// WebhookResponse (the Webhook plus hasSecret and secretCiphertext); the
// secret itself is never returned.
bj::object WebhookJson(const WebhookView& view) {
  const storage::WebhookRecord& hook = view.hook;
  bj::object body{{"organizationName", view.org_name}};
  if (!hook.stack_id.empty()) {
    body["projectName"] = view.project;
    body["stackName"] = view.stack_name;
  }
  body["name"] = hook.name;
  body["displayName"] = hook.display_name;
  body["payloadUrl"] = hook.payload_url;
  body["active"] = hook.active;
  body["format"] = hook.format;
  body["filters"] = StringArray(hook.filters);
  body["groups"] = StringArray(hook.groups);
  body["hasSecret"] = !hook.secret_ciphertext.empty();
  body["secretCiphertext"] = hook.secret_ciphertext;
  return body;
}

// WebhookDelivery: the record of one attempt.
bj::object DeliveryJson(const storage::WebhookDeliveryRecord& d) {
  return bj::object{{"id", d.id},
                    {"kind", d.kind},
                    {"payload", d.payload},
                    {"timestamp", d.timestamp},
                    {"duration", d.duration_ms},
                    {"requestUrl", d.request_url},
                    {"requestHeaders", d.request_headers},
                    {"responseCode", d.response_code},
                    {"responseHeaders", d.response_headers},
                    {"responseBody", d.response_body}};
}

// An array of strings; null or absent is nullopt.
Result<std::optional<std::vector<std::string>>> OptionalStrings(const bj::object& body,
                                                                std::string_view field) {
  using Out = std::optional<std::vector<std::string>>;
  auto it = body.find(field);
  if (it == body.end() || it->value().is_null()) return Out();
  Error wrong = Error::InvalidArgument(
      fmt::format("Invalid field '{}': expected an array of strings", field));
  if (!it->value().is_array()) return Fail(wrong);
  std::vector<std::string> out;
  for (const auto& value : it->value().get_array()) {
    if (!value.is_string()) return Fail(wrong);
    out.emplace_back(value.get_string().data(), value.get_string().size());
  }
  return Out(std::move(out));
}

Result<WebhookInput> ParseInput(const Request& request) {
  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
  WebhookInput input;
  SH_ASSIGN_OR_RETURN(input.organization_name, json::OptionalString(body, "organizationName"));
  SH_ASSIGN_OR_RETURN(input.project_name, json::OptionalString(body, "projectName"));
  SH_ASSIGN_OR_RETURN(input.stack_name, json::OptionalString(body, "stackName"));
  SH_ASSIGN_OR_RETURN(input.name, json::OptionalString(body, "name"));
  SH_ASSIGN_OR_RETURN(input.display_name, json::OptionalString(body, "displayName"));
  SH_ASSIGN_OR_RETURN(input.payload_url, json::OptionalString(body, "payloadUrl"));
  SH_ASSIGN_OR_RETURN(input.active, json::OptionalBool(body, "active"));
  SH_ASSIGN_OR_RETURN(input.format, json::OptionalString(body, "format"));
  SH_ASSIGN_OR_RETURN(input.filters, OptionalStrings(body, "filters"));
  SH_ASSIGN_OR_RETURN(input.groups, OptionalStrings(body, "groups"));
  SH_ASSIGN_OR_RETURN(input.secret, json::OptionalString(body, "secret"));
  return input;
}

std::string HookName(const Request& request) { return std::string(request.Param("hookName")); }

// The path templates of one scope's webhook routes.
struct ScopePaths {
  std::string_view hooks;       // POST (create), GET (list)
  std::string_view hook;        // GET, PATCH, DELETE
  std::string_view ping;        // POST
  std::string_view deliveries;  // GET
  std::string_view redeliver;   // POST
};

constexpr ScopePaths kOrgHooks{
    api::Path(api::kOrgPath, "/api/orgs/{org}/hooks"),
    api::Path(api::kOrgPath, "/api/orgs/{org}/hooks/{hookName}"),
    api::Path(api::kOrgPath, "/api/orgs/{org}/hooks/{hookName}/ping"),
    api::Path(api::kOrgPath, "/api/orgs/{org}/hooks/{hookName}/deliveries"),
    api::Path(api::kOrgPath, "/api/orgs/{org}/hooks/{hookName}/deliveries/{event}/redeliver"),
};

constexpr ScopePaths kStackHooks{
    api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/hooks"),
    api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/hooks/{hookName}"),
    api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/hooks/{hookName}/ping"),
    api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/hooks/{hookName}/deliveries"),
    api::Path(api::kStackPath,
              "/api/stacks/{org}/{project}/{stack}/hooks/{hookName}/deliveries/{event}/redeliver"),
};

void RegisterScope(http::Router& router, auth::Authorizer& authorizer, WebhookService& service,
                   const ScopePaths& paths, Need need) {
  api::AddRoute(router, authorizer, "POST", paths.hooks, need,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto input, ParseInput(request));
                  SH_ASSIGN_OR_RETURN(auto view, service.Create(access, input));
                  return Response::Json(201, json::Serialize(WebhookJson(view)));
                });

  api::AddRoute(router, authorizer, "GET", paths.hooks, need,
                [&service](const Request&, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto views, service.List(access));
                  bj::array out;
                  for (const auto& view : views) out.push_back(WebhookJson(view));
                  return api::JsonOk(json::Serialize(out));
                });

  api::AddRoute(router, authorizer, "GET", paths.hook, need,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto view, service.Get(access, HookName(request)));
                  return api::JsonOk(json::Serialize(WebhookJson(view)));
                });

  api::AddRoute(router, authorizer, "PATCH", paths.hook, need,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto input, ParseInput(request));
                  SH_ASSIGN_OR_RETURN(auto view, service.Update(access, HookName(request), input));
                  return api::JsonOk(json::Serialize(WebhookJson(view)));
                });

  api::AddRoute(router, authorizer, "DELETE", paths.hook, need,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.Remove(access, HookName(request)));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "POST", paths.ping, need,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto delivery, service.Ping(access, HookName(request)));
                  return api::JsonOk(json::Serialize(DeliveryJson(delivery)));
                });

  api::AddRoute(router, authorizer, "GET", paths.deliveries, need,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto deliveries,
                                      service.Deliveries(access, HookName(request)));
                  bj::array out;
                  for (const auto& d : deliveries) out.push_back(DeliveryJson(d));
                  return api::JsonOk(json::Serialize(out));
                });

  api::AddRoute(router, authorizer, "POST", paths.redeliver, need,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto delivery,
                                      service.Redeliver(access, HookName(request),
                                                        std::string(request.Param("event"))));
                  return api::JsonOk(json::Serialize(DeliveryJson(delivery)));
                });
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, WebhookService& service) {
  RegisterScope(router, authorizer, service, kOrgHooks, Need::kOrgAdmin);
  RegisterScope(router, authorizer, service, kStackHooks, Need::kStackWrite);
}

}  // namespace statehouse::webhooks
