#include "engine_events/handlers.h"

#include <boost/json.hpp>

#include "api/endpoint.h"
#include "api/paths.h"

namespace statehouse::engine_events {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

std::optional<std::string_view> OptionalView(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return std::string_view(*value);
}

// True when the top-level object text `json` has a "type" key. Stored
// events are objects whose keys are checked on ingest, so a key match at
// nesting depth one suffices.
bool HasTypeKey(std::string_view json) {
  int depth = 0;
  bool in_string = false;
  bool expect_key = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (depth == 1 && expect_key && json.substr(i, 7) == "\"type\"") {
          size_t j = i + 6;
          while (j < json.size() && (json[j] == ' ' || json[j] == '\t' || json[j] == '\n' ||
                                     json[j] == '\r')) {
            ++j;
          }
          if (j < json.size() && json[j] == ':') return true;
        }
        in_string = true;
        expect_key = false;
        break;
      case '{':
      case '[':
        ++depth;
        expect_key = depth == 1;
        break;
      case '}':
      case ']':
        --depth;
        break;
      case ',':
        expect_key = depth == 1;
        break;
      default:
        break;
    }
  }
  return false;
}

}  // namespace

std::string EventPageJson(const EventPage& page) {
  std::string out = "{\"events\":[";
  bool first = true;
  for (const auto& event : page.events) {
    if (!first) out += ',';
    first = false;
    const std::string_view json = event.json;
    if (json.size() < 2 || json.front() != '{' || HasTypeKey(json)) {
      out += json;
      continue;
    }
    out += "{\"type\":";
    out += bj::serialize(bj::string(event.type));
    if (json.find_first_not_of(" \t\r\n", 1) != std::string_view::npos &&
        json[json.find_first_not_of(" \t\r\n", 1)] != '}') {
      out += ',';
    }
    out.append(json.substr(1));
  }
  out += "],\"continuationToken\":";
  out += page.continuation_token ? bj::serialize(bj::string(*page.continuation_token)) : "null";
  out += '}';
  return out;
}

EventViews UpdateEventViews(EngineEventService& service) {
  EventViews views;
  views.resource_changes = [&service](const std::vector<std::string>& ids) {
    return service.ResourceChanges(ids);
  };
  views.status_events = [&service](const storage::UpdateRecord& update,
                                   std::optional<std::string_view> token,
                                   bj::object& body) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto page, service.StatusEvents(update, token));
    bj::array events;
    for (const auto& event : page.events) {
      events.push_back(bj::object{{"index", std::to_string(event.sequence)},
                                  {"kind", event.stderr_stream ? "stderr" : "stdout"},
                                  {"fields", bj::object{{"text", event.text}}}});
    }
    body["events"] = std::move(events);
    if (page.continuation_token) body["continuationToken"] = *page.continuation_token;
    return {};
  };
  return views;
}

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer,
                    EngineEventService& service, size_t state_body_limit) {
  api::AddRoute(
      router, authorizer, "POST",
      api::Path(api::kUpdatePath,
                "/api/stacks/{org}/{project}/{stack}/update/{updateID}/events/batch"),
      Need::kUpdateToken,
      [&service](const Request& request, const Access& access) -> Result<Response> {
        SH_TRY(service.RecordBatch(access, request.body));
        return api::JsonOk("{}");
      },
      http::RouteOptions{state_body_limit});

  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kUpdatePath,
                          "/api/stacks/{org}/{project}/{stack}/update/{updateID}/events"),
                Need::kStackRead,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  auto token = request.Query("continuationToken");
                  SH_ASSIGN_OR_RETURN(
                      auto page, service.List(access, std::string(request.Param("updateID")),
                                              OptionalView(token)));
                  return api::JsonOk(EventPageJson(page));
                });
}

}  // namespace statehouse::engine_events
