#include "audit/handlers.h"

#include <fmt/format.h>

#include <algorithm>

#include "api/endpoint.h"
#include "api/paths.h"
#include "audit/catalog.h"
#include "audit/export.h"
#include "common/numbers.h"
#include "http/gzip.h"
#include "json/json_util.h"

namespace statehouse::audit {

namespace {

namespace bj = boost::json;
using auth::Access;
using auth::Need;
using http::Request;
using http::Response;

constexpr int kExportGzipLevel = 6;

// Every decoded value of query parameter `name`, in order ('+' is a space).
// kInvalidArgument for a malformed percent escape.
Result<std::vector<std::string>> QueryValues(const Request& request, std::string_view name) {
  std::vector<std::string> out;
  std::string_view q = request.query_string;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    std::replace(key.begin(), key.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    auto decoded_key = http::PercentDecode(key);
    if (!decoded_key || *decoded_key != name) continue;
    auto decoded_value = http::PercentDecode(value);
    if (!decoded_value) {
      return Fail(Error::InvalidArgument(fmt::format("Invalid query parameter '{}'", name)));
    }
    out.push_back(std::move(*decoded_value));
  }
  return out;
}

// The last non-empty value of the first of `names` that has one.
Result<std::optional<std::string>> QueryString(const Request& request,
                                               std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    SH_ASSIGN_OR_RETURN(auto values, QueryValues(request, name));
    for (auto it = values.rbegin(); it != values.rend(); ++it) {
      if (!it->empty()) return std::optional<std::string>(std::move(*it));
    }
  }
  return std::optional<std::string>();
}

Result<std::optional<int64_t>> QueryTime(const Request& request, std::string_view name) {
  SH_ASSIGN_OR_RETURN(auto raw, QueryString(request, {name}));
  if (!raw) return std::optional<int64_t>();
  auto value = ParseInt<int64_t>(*raw);
  if (!value || *value < 0) {
    return Fail(
        Error::InvalidArgument(fmt::format("Invalid {}: must be a Unix time in seconds", name)));
  }
  return value;
}

Result<AuditLogQuery> ParseQuery(const Request& request) {
  AuditLogQuery query;
  SH_ASSIGN_OR_RETURN(query.start_time, QueryTime(request, "startTime"));
  SH_ASSIGN_OR_RETURN(query.end_time, QueryTime(request, "endTime"));
  SH_ASSIGN_OR_RETURN(query.continuation_token, QueryString(request, {"continuationToken"}));
  for (std::string_view name : {"eventFilter", "eventType"}) {
    SH_ASSIGN_OR_RETURN(auto values, QueryValues(request, name));
    for (const std::string& value : values) {
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        std::string one = value.substr(start, comma - start);
        if (one.find_first_not_of(' ') != std::string::npos) query.event_filters.push_back(one);
        start = comma + 1;
      }
    }
  }
  SH_ASSIGN_OR_RETURN(query.user_login, QueryString(request, {"userFilter", "user"}));
  return query;
}

bj::object EventJson(const storage::AuditEventRecord& e) {
  bj::object out{
      {"timestamp", e.time},
      {"sourceIP", e.source_ip},
      {"event", DisplayName(e.event)},
      {"description", e.description},
      {"user",
       bj::object{{"name", e.user_name}, {"githubLogin", e.user_login}, {"avatarUrl", ""}}}};
  if (!e.token_id.empty()) {
    out["tokenID"] = e.token_id;
    out["tokenName"] = e.token_name;
  }
  if (e.req_org_admin) out["reqOrgAdmin"] = true;
  if (e.req_stack_admin) out["reqStackAdmin"] = true;
  if (e.auth_failure) out["authFailure"] = true;
  return out;
}

Result<Response> ListHandler(AuditService& service, const Request& request, const Access& access) {
  SH_ASSIGN_OR_RETURN(auto query, ParseQuery(request));
  SH_ASSIGN_OR_RETURN(auto format, QueryString(request, {"format"}));
  if (format && *format != "json") {
    return Fail(
        Error::InvalidArgument("Invalid format: must be 'json' (use /export for csv or cef)"));
  }
  SH_ASSIGN_OR_RETURN(int page_size, api::QueryInt(request, "pageSize", kDefaultPageSize));
  SH_ASSIGN_OR_RETURN(auto page, service.List(access, query, page_size));
  bj::array events;
  events.reserve(page.events.size());
  for (const auto& e : page.events) events.push_back(EventJson(e));
  bj::object body{{"auditLogEvents", std::move(events)}};
  if (page.continuation_token) body["continuationToken"] = *page.continuation_token;
  return api::JsonOk(json::Serialize(body));
}

// The export body is gzip-compressed here and labelled Content-Encoding:
// gzip, which the transport passes through untouched (it compresses only
// responses without a Content-Encoding), whatever the client accepts.
Result<Response> ExportHandler(AuditService& service, const Request& request,
                               const Access& access) {
  SH_ASSIGN_OR_RETURN(auto query, ParseQuery(request));
  SH_ASSIGN_OR_RETURN(auto format, QueryString(request, {"format"}));
  const std::string kind = format.value_or("csv");
  if (kind != "csv" && kind != "cef") {
    return Fail(Error::InvalidArgument("Invalid format: must be 'csv' or 'cef'"));
  }
  SH_ASSIGN_OR_RETURN(auto page, service.ListAll(access, query));
  std::string text = kind == "csv"
                         ? ToCsv(page.events)
                         : ToCef(page.events, CefHost(request.Header("host").value_or("")));
  Response response;
  response.status = 200;
  response.content_type = "text/plain; charset=utf-8";
  response.body = http::GzipDeflate(text, kExportGzipLevel);
  if (response.body.empty()) return Fail(Error::Internal("audit export: gzip failed"));
  response.headers.emplace_back("Content-Encoding", "gzip");
  if (page.continuation_token) {
    response.headers.emplace_back("X-Continuation-Token", *page.continuation_token);
  }
  return response;
}

}  // namespace

void RegisterRoutes(http::Router& router, auth::Authorizer& authorizer, AuditService& service) {
  api::AddRoute(router, authorizer, "GET", api::Path(api::kOrgPath, "/api/orgs/{org}/auditlogs"),
                Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  return ListHandler(service, request, access);
                });
  api::AddRoute(router, authorizer, "GET",
                api::Path(api::kOrgPath, "/api/orgs/{org}/auditlogs/export"), Need::kOrgAdmin,
                [&service](const Request& request, const Access& access) -> Result<Response> {
                  return ExportHandler(service, request, access);
                });
}

}  // namespace statehouse::audit
