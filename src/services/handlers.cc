#include "services/handlers.h"

#include <fmt/format.h>

#include "api/endpoint.h"
#include "api/paths.h"
#include "json/json_util.h"

namespace statehouse::services {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

constexpr std::string_view kServicePath =
    api::Path(api::kOrgPath, "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}");
constexpr int kDefaultPageSize = 100;

bj::object MemberJson(const Member& m) {
  return bj::object{{"type", m.type}, {"name", m.name}, {"avatarUrl", ""}};
}

bj::object ServiceJson(const ServiceView& s) {
  bj::array members;
  for (const auto& m : s.members) members.push_back(MemberJson(m));
  bj::object counts;
  for (const auto& [type, count] : s.item_counts) counts[type] = count;
  bj::array properties;
  for (const auto& p : s.properties) {
    properties.push_back(
        bj::object{{"key", p.key}, {"value", p.value}, {"type", p.type}, {"order", p.order}});
  }
  return bj::object{{"organizationName", s.org_name},
                    {"owner", MemberJson(s.owner)},
                    {"name", s.name},
                    {"description", s.description},
                    {"created", json::Rfc3339(s.created)},
                    {"members", std::move(members)},
                    {"itemCountSummary", std::move(counts)},
                    {"properties", std::move(properties)}};
}

bj::object DetailJson(const ServiceDetail& d) {
  bj::array items;
  for (const auto& i : d.items) {
    items.push_back(bj::object{{"organizationName", i.org_name},
                               {"type", i.type},
                               {"name", i.name},
                               {"created", json::Rfc3339(i.created)},
                               {"addedByUser", MemberJson(Member{"user", i.added_by})},
                               {"cloudCount", i.cloud_count}});
  }
  bj::object body{{"service", ServiceJson(d.service)}, {"items", std::move(items)}};
  if (d.continuation_token) body["continuationToken"] = *d.continuation_token;
  return body;
}

ServiceKey KeyOf(const Request& request) {
  return ServiceKey{std::string(request.Param("ownerType")), std::string(request.Param("ownerName")),
                    std::string(request.Param("serviceName"))};
}

std::optional<std::string> NonEmpty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

Error WrongType(std::string_view field, std::string_view expected) {
  return Error::InvalidArgument(fmt::format("Invalid field '{}': expected {}", field, expected));
}

// `field` as an array of {type, name}; null or absent is nullopt.
Result<std::optional<std::vector<ItemRef>>> OptionalItems(const bj::object& body,
                                                           std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->value().is_null()) return std::optional<std::vector<ItemRef>>();
  if (!it->value().is_array()) return Fail(WrongType(field, "an array of {type, name}"));
  std::vector<ItemRef> items;
  for (const auto& value : it->value().get_array()) {
    if (!value.is_object()) return Fail(WrongType(field, "an array of {type, name}"));
    ItemRef item;
    SH_ASSIGN_OR_RETURN(item.type, json::RequiredString(value.get_object(), "type"));
    SH_ASSIGN_OR_RETURN(item.name, json::RequiredString(value.get_object(), "name"));
    items.push_back(std::move(item));
  }
  return std::optional<std::vector<ItemRef>>(std::move(items));
}

// `field` as an array of {key, value, type, order}; null or absent is
// nullopt. A missing order defaults to the property's position.
Result<std::optional<std::vector<storage::ServicePropertyRecord>>> OptionalProperties(
    const bj::object& body, std::string_view field) {
  using Out = std::optional<std::vector<storage::ServicePropertyRecord>>;
  auto it = body.find(field);
  if (it == body.end() || it->value().is_null()) return Out();
  Error wrong = WrongType(field, "an array of {key, value, type, order}");
  if (!it->value().is_array()) return Fail(wrong);
  std::vector<storage::ServicePropertyRecord> properties;
  for (const auto& value : it->value().get_array()) {
    if (!value.is_object()) return Fail(wrong);
    const bj::object& obj = value.get_object();
    storage::ServicePropertyRecord p;
    SH_ASSIGN_OR_RETURN(p.key, json::RequiredString(obj, "key"));
    SH_ASSIGN_OR_RETURN(auto v, json::OptionalString(obj, "value"));
    SH_ASSIGN_OR_RETURN(auto type, json::OptionalString(obj, "type"));
    SH_ASSIGN_OR_RETURN(auto order, json::OptionalInt(obj, "order"));
    p.value = v.value_or("");
    p.type = type.value_or("");
    p.order = order.value_or(static_cast<int64_t>(properties.size()));
    properties.push_back(std::move(p));
  }
  return Out(std::move(properties));
}

Result<std::vector<ItemRef>> RequiredItems(const Request& request) {
  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
  SH_ASSIGN_OR_RETURN(auto items, OptionalItems(body, "items"));
  if (!items) return Fail(Error::InvalidArgument("Missing required field 'items'"));
  return std::move(*items);
}

ItemRef ItemOf(const Request& request) {
  return ItemRef{std::string(request.Param("itemType")), std::string(request.Param("itemName"))};
}

// The service with the first page of items (maxResults from the query).
Result<Response> DetailResponse(ServiceCatalog& catalog, const Request& request,
                                const Access& access, const ServiceKey& key) {
  SH_ASSIGN_OR_RETURN(int max_results, api::QueryInt(request, "maxResults", kDefaultPageSize));
  SH_ASSIGN_OR_RETURN(auto detail, catalog.Get(access, key, std::nullopt, max_results));
  return api::JsonOk(json::Serialize(DetailJson(detail)));
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, ServiceCatalog& catalog) {
  api::AddRoute(router, authorizer, "POST", api::Path(api::kOrgPath, "/api/orgs/{org}/services"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  CreateServiceInput input;
                  SH_ASSIGN_OR_RETURN(input.owner_type, json::RequiredString(body, "ownerType"));
                  SH_ASSIGN_OR_RETURN(input.owner_name, json::RequiredString(body, "ownerName"));
                  SH_ASSIGN_OR_RETURN(input.name, json::RequiredString(body, "name"));
                  SH_ASSIGN_OR_RETURN(auto description, json::OptionalString(body, "description"));
                  input.description = description.value_or("");
                  SH_ASSIGN_OR_RETURN(auto items, OptionalItems(body, "items"));
                  if (items) input.items = std::move(*items);
                  SH_ASSIGN_OR_RETURN(auto properties, OptionalProperties(body, "properties"));
                  if (properties) input.properties = std::move(*properties);
                  SH_ASSIGN_OR_RETURN(auto view, catalog.Create(access, std::move(input)));
                  return api::JsonOk(json::Serialize(ServiceJson(view)));
                });

  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}/services"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(int max_results,
                                      api::QueryInt(request, "maxResults", kDefaultPageSize));
                  SH_ASSIGN_OR_RETURN(
                      auto page, catalog.List(access, NonEmpty(request.Query("continuationToken")),
                                              max_results));
                  bj::array services;
                  for (const auto& s : page.services) services.push_back(ServiceJson(s));
                  bj::object body{{"services", std::move(services)}};
                  if (page.continuation_token) body["continuationToken"] = *page.continuation_token;
                  return api::JsonOk(json::Serialize(body));
                });

  api::AddRoute(router, authorizer, "HEAD",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(bool exists, catalog.Exists(access, KeyOf(request)));
                  if (!exists) return Fail(Error::NotFound("Service not found"));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "GET",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(int max_results,
                                      api::QueryInt(request, "maxResults", kDefaultPageSize));
                  SH_ASSIGN_OR_RETURN(
                      auto detail, catalog.Get(access, KeyOf(request),
                                               NonEmpty(request.Query("continuationToken")),
                                               max_results));
                  return api::JsonOk(json::Serialize(DetailJson(detail)));
                });

  api::AddRoute(router, authorizer, "PATCH",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
                  UpdateServiceInput input;
                  SH_ASSIGN_OR_RETURN(input.name, json::OptionalString(body, "name"));
                  SH_ASSIGN_OR_RETURN(input.description, json::OptionalString(body, "description"));
                  SH_ASSIGN_OR_RETURN(input.properties, OptionalProperties(body, "properties"));
                  SH_ASSIGN_OR_RETURN(auto view,
                                      catalog.Update(access, KeyOf(request), std::move(input)));
                  return api::JsonOk(json::Serialize(ServiceJson(view)));
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(bool force, api::QueryBool(request, "force", false));
                  SH_TRY(catalog.Delete(access, KeyOf(request), force));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/items"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto items, RequiredItems(request));
                  ServiceKey key = KeyOf(request);
                  SH_TRY(catalog.AddItems(access, key, items));
                  return DetailResponse(catalog, request, access, key);
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/v2/items"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto items, RequiredItems(request));
                  SH_TRY(catalog.AddItems(access, KeyOf(request), items));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/items/{itemType}/{itemName*}"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  ServiceKey key = KeyOf(request);
                  SH_TRY(catalog.RemoveItem(access, key, ItemOf(request), /*must_exist=*/true));
                  return DetailResponse(catalog, request, access, key);
                });

  api::AddRoute(router, authorizer, "DELETE",
                api::Path(kServicePath,
                          "/api/orgs/{org}/services/{ownerType}/{ownerName}/{serviceName}/v2/items/{itemType}/{itemName*}"),
                Need::kOrgMember,
                [&catalog](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(catalog.RemoveItem(access, KeyOf(request), ItemOf(request),
                                            /*must_exist=*/false));
                  return Response::NoContent();
                });
}

}  // namespace statehouse::services
