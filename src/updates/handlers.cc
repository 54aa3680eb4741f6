#include "updates/handlers.h"

#include <string_view>
#include <utility>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "api/endpoint.h"
#include "api/paths.h"
#include "common/numbers.h"
#include "json/json_util.h"

namespace statehouse::updates {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

// A stored JSON object text as a value ({} if it does not parse).
bj::value StoredObject(const std::string& text) {
  boost::system::error_code ec;
  bj::value value = bj::parse(text, ec);
  if (ec || !value.is_object()) return bj::object{};
  return value;
}

// UpdateInfo.kind: the operation, "P"-prefixed for a dry run ("Pupdate"
// for a preview of an update, "Prefresh", …).
std::string InfoKind(const storage::UpdateRecord& u) {
  if (!u.dry_run) return u.kind;
  return u.kind == "preview" ? std::string("Pupdate") : "P" + u.kind;
}

// UpdateInfo as the CLI reads it (its apitype.UpdateInfo).
bj::object UpdateInfoJson(const storage::UpdateRecord& u, int64_t now) {
  bj::object info{{"kind", InfoKind(u)},
                  {"startTime", u.started},
                  {"message", u.message},
                  {"environment", StoredObject(u.environment_json)},
                  {"config", StoredObject(u.config_json)},
                  {"result", ResultText(u, now)},
                  {"endTime", u.ended},
                  {"version", u.version}};
  if (u.has_checkpoint) info["resourceCount"] = u.resource_count;
  return info;
}

// Pulumi Cloud's UpdateInfo ("service" output): the CLI's one under "info".
bj::object ServiceUpdateJson(const storage::UpdateRecord& u, const storage::StackRecord& stack,
                             int64_t now) {
  return bj::object{{"info", UpdateInfoJson(u, now)},
                    {"updateID", u.id},
                    {"version", u.version},
                    {"latestVersion", stack.version},
                    {"requestedBy", bj::object{{"name", u.requested_by_name},
                                               {"githubLogin", u.requested_by_login},
                                               {"avatarUrl", ""}}}};
}

// Sets info["resourceChanges"] of each UpdateInfo in `infos` (one per
// update, in order; for the service format the UpdateInfo under "info").
Result<void> AddResourceChanges(const engine_events::EventViews& views,
                                const std::vector<storage::UpdateRecord>& updates,
                                std::vector<bj::object*> infos) {
  if (!views.resource_changes || updates.empty()) return {};
  std::vector<std::string> ids;
  for (const auto& u : updates) ids.push_back(u.id);
  SH_ASSIGN_OR_RETURN(auto changes, views.resource_changes(ids));
  for (size_t i = 0; i < updates.size(); ++i) {
    auto it = changes.find(updates[i].id);
    if (it == changes.end()) continue;
    bj::object counts;
    for (const auto& [op, count] : it->second) counts[op] = count;
    bj::object* info = infos[i];
    if (bj::value* nested = info->if_contains("info"); nested != nullptr && nested->is_object()) {
      info = &nested->as_object();
    }
    (*info)["resourceChanges"] = std::move(counts);
  }
  return {};
}

// The version path parameter `name`; kNotFound naming it unless an integer.
Result<int64_t> PathVersion(const Request& request, std::string_view name) {
  std::string_view raw = request.Param(name);
  auto value = ParseInt<int64_t>(raw);
  if (!value) return Fail(Error::NotFound(fmt::format("Version '{}' not found", raw.substr(0, 32))));
  return *value;
}

// The paging query parameter `name`, or `fallback` when absent or empty.
// kInvalidArgument in the wording of UpdateService's paging checks otherwise.
Result<int64_t> PageQuery(const Request& request, std::string_view name, int64_t fallback) {
  auto raw = request.Query(name);
  if (!raw || raw->empty()) return fallback;
  auto value = ParseInt<int64_t>(*raw);
  if (!value) return Fail(Error::InvalidArgument(fmt::format("Invalid '{}' value.", name)));
  return *value;
}

// The service-format page of updates: {"updates":[…], "itemsPerPage", "total"}.
Result<Response> ServiceUpdatesPage(const engine_events::EventViews& views, const HistoryPage& page,
                                    const storage::StackRecord& stack, int64_t now) {
  std::vector<bj::object> infos;
  for (const auto& u : page.updates) infos.push_back(ServiceUpdateJson(u, stack, now));
  std::vector<bj::object*> info_ptrs;
  for (auto& info : infos) info_ptrs.push_back(&info);
  SH_TRY(AddResourceChanges(views, page.updates, info_ptrs));
  return api::JsonOk(json::Serialize(bj::object{{"updates", bj::array(infos.begin(), infos.end())},
                                                {"itemsPerPage", page.items_per_page},
                                                {"total", page.total}}));
}

// List Previews: `asc` defaults to oldest first (the CLI
// always sends asc=false); `page` 0 = all, with `pageSize` 0 or unset.
Result<Response> ListPreviews(UpdateService& service, const engine_events::EventViews& views,
                              const Request& request, const Access& access,
                              std::optional<int64_t> version) {
  SH_ASSIGN_OR_RETURN(auto page, PageQuery(request, "page", 0));
  SH_ASSIGN_OR_RETURN(auto page_size, PageQuery(request, "pageSize", 0));
  SH_ASSIGN_OR_RETURN(auto ascending, api::QueryBool(request, "asc", true));
  SH_ASSIGN_OR_RETURN(auto previews, service.Previews(access, version, ascending, page, page_size));
  return ServiceUpdatesPage(views, previews, *access.stack, service.Now());
}

// Parses a body that may be empty (treated as {}).
Result<bj::object> BodyObject(const Request& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return bj::object{};
  return json::ParseObject(request.body);
}

Result<Response> CreateUpdate(UpdateService& service, std::string kind, const Request& request,
                              const Access& access) {
  SH_ASSIGN_OR_RETURN(auto body, BodyObject(request));
  CreateUpdateInput input;
  input.kind = std::move(kind);
  if (auto it = body.find("options"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      return Fail(Error::InvalidArgument("Invalid field 'options': expected an object"));
    }
    SH_ASSIGN_OR_RETURN(auto dry_run, json::OptionalBool(it->value().as_object(), "dryRun"));
    input.dry_run = dry_run.value_or(false);
  }
  if (auto it = body.find("metadata"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      return Fail(Error::InvalidArgument("Invalid field 'metadata': expected an object"));
    }
    const bj::object& metadata = it->value().as_object();
    SH_ASSIGN_OR_RETURN(auto message, json::OptionalString(metadata, "message"));
    input.message = message.value_or("");
    SH_ASSIGN_OR_RETURN(auto environment, json::OptionalStringMap(metadata, "environment"));
    if (environment) {
      bj::object env;
      for (const auto& [k, v] : *environment) env[k] = v;
      input.environment_json = json::Serialize(env);
    }
  }
  if (auto it = body.find("config"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      return Fail(Error::InvalidArgument("Invalid field 'config': expected an object"));
    }
    input.config_json = json::Serialize(it->value());
  }
  SH_ASSIGN_OR_RETURN(auto id, service.Create(access, input));
  return api::JsonOk(json::Serialize(bj::object{{"updateID", id}}));
}

}  // namespace

Result<std::optional<stacks::OperationInfo>> CurrentOperation(UpdateService& service,
                                                             const storage::StackRecord& stack) {
  SH_ASSIGN_OR_RETURN(auto running, service.RunningOperation(stack));
  if (!running) return std::optional<stacks::OperationInfo>();
  stacks::OperationInfo info;
  info.kind = !running->dry_run         ? running->kind
              : running->kind == "preview" ? std::string("preview")
                                           : "P" + running->kind;
  info.author = running->requested_by_login;
  info.started = running->started;
  return std::optional<stacks::OperationInfo>(std::move(info));
}

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, UpdateService& service,
                    size_t state_body_limit, engine_events::EventViews views) {
  // Create update; the last path segment is the kind.
  constexpr std::pair<const char*, std::string_view> kCreateRoutes[] = {
      {"update", api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/update")},
      {"preview", api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/preview")},
      {"refresh", api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/refresh")},
      {"destroy", api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/destroy")},
  };
  for (const auto& route : kCreateRoutes) {
    const char* kind = route.first;
    api::AddRoute(router, authorizer, "POST", route.second, Need::kStackWrite,
                  [&service, kind](const Request& request, const Access& access) {
                    return CreateUpdate(service, kind, request, access);
                  });
  }

  api::AddRoute(
      router, authorizer, "POST",
      api::Path(api::kUpdatePath, "/api/stacks/{org}/{project}/{stack}/update/{updateID}"),
      Need::kStackWrite,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto body, BodyObject(request));
        SH_ASSIGN_OR_RETURN(auto tags, json::OptionalStringMap(body, "tags"));
        SH_ASSIGN_OR_RETURN(auto journal_version, json::OptionalInt(body, "journalVersion"));
        SH_ASSIGN_OR_RETURN(auto grant, service.Start(access, std::string(request.Param("updateID")),
                                                      tags, journal_version.value_or(0)));
        bj::object out{
            {"version", grant.version}, {"token", grant.token}, {"tokenExpiration", grant.expires}};
        // Omitted unless journaling (the CLI then uses checkpoints).
        if (grant.journal_version > 0) out["journalVersion"] = grant.journal_version;
        return api::JsonOk(json::Serialize(out));
      });

  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kUpdatePath,
                          "/api/stacks/{org}/{project}/{stack}/update/{updateID}"),
                Need::kStackRead,
                [&service, views](const Request& request,
                                  const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto update,
                                      service.Get(access, std::string(request.Param("updateID"))));
                  bj::object body{{"status", StatusText(update, service.Now())},
                                  {"events", bj::array{}}};
                  if (views.status_events) {
                    auto token = request.Query("continuationToken");
                    SH_TRY(views.status_events(
                        update, token ? std::optional<std::string_view>(*token) : std::nullopt,
                        body));
                  }
                  return api::JsonOk(json::Serialize(body));
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kUpdatePath,
                          "/api/stacks/{org}/{project}/{stack}/update/{updateID}/renew_lease"),
                Need::kUpdateToken,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, BodyObject(request));
                  SH_ASSIGN_OR_RETURN(auto duration, json::OptionalInt(body, "duration"));
                  SH_ASSIGN_OR_RETURN(auto grant,
                                      service.RenewLease(access, duration.value_or(0)));
                  return api::JsonOk(json::Serialize(bj::object{
                      {"token", grant.token}, {"tokenExpiration", grant.expires}}));
                });

  // complete, cancel and the three checkpoint calls answer 204 as the OpenAPI
  // description says: the CLI (httpstate/client: updateRESTCall with a nil
  // response object) accepts any status below 400 and never reads the body.
  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kUpdatePath,
                          "/api/stacks/{org}/{project}/{stack}/update/{updateID}/complete"),
                Need::kUpdateToken,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto body, BodyObject(request));
                  SH_ASSIGN_OR_RETURN(auto status, json::RequiredString(body, "status"));
                  SH_TRY(service.Complete(access, status));
                  return Response::NoContent();
                });

  api::AddRoute(router, authorizer, "POST",
                api::Path(api::kUpdatePath,
                          "/api/stacks/{org}/{project}/{stack}/update/{updateID}/cancel"),
                Need::kStackWrite,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_TRY(service.Cancel(access, std::string(request.Param("updateID"))));
                  return Response::NoContent();
                });

  const http::RouteOptions state_options{state_body_limit};
  api::AddRoute(
      router, authorizer, "PATCH",
      api::Path(api::kUpdatePath,
                "/api/stacks/{org}/{project}/{stack}/update/{updateID}/checkpoint"),
      Need::kUpdateToken,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_TRY(service.PatchCheckpoint(access, request.body));
        return Response::NoContent();
      },
      state_options);
  api::AddRoute(
      router, authorizer, "PATCH",
      api::Path(api::kUpdatePath,
                "/api/stacks/{org}/{project}/{stack}/update/{updateID}/checkpointverbatim"),
      Need::kUpdateToken,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_TRY(service.PatchVerbatim(access, request.body));
        return Response::NoContent();
      },
      state_options);
  api::AddRoute(
      router, authorizer, "PATCH",
      api::Path(api::kUpdatePath,
                "/api/stacks/{org}/{project}/{stack}/update/{updateID}/checkpointdelta"),
      Need::kUpdateToken,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_TRY(service.PatchDelta(access, request.body));
        return Response::NoContent();
      },
      state_options);

  // Journal entries (shared/spec/journaling.md §3): 204 like the checkpoint
  // calls (any 2xx will do for the CLI). The CLI always sends the segment
  // `update`, whatever the kind of the update; the OpenAPI file also lists
  // the other kinds, accepted as aliases.
  for (std::string_view path :
       {api::Path(api::kUpdatePath,
                  "/api/stacks/{org}/{project}/{stack}/update/{updateID}/journalentries"),
        api::Path(api::kStackPath,
                  "/api/stacks/{org}/{project}/{stack}/preview/{updateID}/journalentries"),
        api::Path(api::kStackPath,
                  "/api/stacks/{org}/{project}/{stack}/refresh/{updateID}/journalentries"),
        api::Path(api::kStackPath,
                  "/api/stacks/{org}/{project}/{stack}/destroy/{updateID}/journalentries")}) {
    api::AddRoute(
        router, authorizer, "PATCH", path, Need::kUpdateToken,
        [&service](const Request& request, const Access& access) -> Result<Response> {
          SH_TRY(service.PatchJournalEntries(access, request.body));
          return Response::NoContent();
        },
        state_options);
  }

  api::AddRoute(
      router, authorizer, "POST",
      api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/import"), Need::kStackWrite,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto id, service.Import(access, request.body));
        return api::JsonOk(json::Serialize(bj::object{{"updateId", id}}));
      },
      state_options);

  // Statehouse's own: {"version": N} makes version N's state current again.
  api::AddRoute(
      router, authorizer, "POST",
      api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/rollback"),
      Need::kStackAdmin,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto body, json::ParseObject(request.body));
        SH_ASSIGN_OR_RETURN(auto version, json::OptionalInt(body, "version"));
        if (!version) return Fail(Error::InvalidArgument("'version' is required"));
        SH_ASSIGN_OR_RETURN(auto update, service.Rollback(access, *version));
        return api::JsonOk(
            json::Serialize(bj::object{{"updateId", update.id}, {"version", update.version}}));
      });

  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/export"),
                Need::kStackRead,
                [&service](const Request&, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto text, service.Export(access, std::nullopt));
                  return api::JsonOk(std::move(text));
                });
  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/export/{version}"),
                Need::kStackRead,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto version, PathVersion(request, "version"));
                  SH_ASSIGN_OR_RETURN(auto text, service.Export(access, version));
                  return api::JsonOk(std::move(text));
                });

  api::AddRoute(
      router, authorizer, "GET",
      api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/updates"), Need::kStackRead,
      [&service, views](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto page, PageQuery(request, "page", 0));
        SH_ASSIGN_OR_RETURN(auto page_size, PageQuery(request, "pageSize", 10));
        auto output_type = request.Query("output-type");
        SH_ASSIGN_OR_RETURN(auto history, service.History(access, page, page_size));
        const int64_t now = service.Now();
        if (output_type && !output_type->empty() && *output_type != "cli") {
          return ServiceUpdatesPage(views, history, *access.stack, now);
        }
        std::vector<bj::object> infos;
        for (const auto& u : history.updates) infos.push_back(UpdateInfoJson(u, now));
        std::vector<bj::object*> info_ptrs;
        for (auto& info : infos) info_ptrs.push_back(&info);
        SH_TRY(AddResourceChanges(views, history.updates, info_ptrs));
        return api::JsonOk(
            json::Serialize(bj::object{{"updates", bj::array(infos.begin(), infos.end())}}));
      });
  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kStackPath,
                          "/api/stacks/{org}/{project}/{stack}/updates/latest/previews"),
                Need::kStackRead,
                [&service, views](const Request& request, const Access& access) {
                  return ListPreviews(service, views, request, access, std::nullopt);
                });
  api::AddRoute(
      router, authorizer, "GET",
      api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/updates/{version}/previews"),
      Need::kStackRead,
      [&service, views](const Request& request, const Access& access) -> Result<Response> {
        SH_ASSIGN_OR_RETURN(auto version, PathVersion(request, "version"));
        return ListPreviews(service, views, request, access, version);
      });
  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/updates/latest"),
                Need::kStackRead,
                [&service, views](const Request&, const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto update, service.HistoryEntry(access, std::nullopt));
                  bj::object body = ServiceUpdateJson(update, *access.stack, service.Now());
                  SH_TRY(AddResourceChanges(views, {update}, {&body}));
                  return api::JsonOk(json::Serialize(body));
                });
  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kStackPath, "/api/stacks/{org}/{project}/{stack}/updates/{version}"),
                Need::kStackRead,
                [&service, views](const Request& request,
                                  const Access& access) -> Result<Response> {
                  SH_ASSIGN_OR_RETURN(auto version, PathVersion(request, "version"));
                  SH_ASSIGN_OR_RETURN(auto update, service.HistoryEntry(access, version));
                  bj::object body = ServiceUpdateJson(update, *access.stack, service.Now());
                  SH_TRY(AddResourceChanges(views, {update}, {&body}));
                  return api::JsonOk(json::Serialize(body));
                });
}

}  // namespace statehouse::updates
