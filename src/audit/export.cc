#include "audit/export.h"

#include <fmt/format.h>

#include <ctime>

#include "audit/catalog.h"
#include "json/json_util.h"

namespace statehouse::audit {

namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string_view Bool(bool value) { return value ? "true" : "false"; }

void AppendCefEscaped(std::string& out, std::string_view value, char special) {
  for (char c : value) {
    if (c == '\\' || c == special) {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.push_back(c);
    }
  }
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == ':';
}

}  // namespace

std::string CsvField(std::string_view value) {
  const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ToCsv(const std::vector<storage::AuditEventRecord>& events) {
  std::string out = kCsvHeader;
  out += "\r\n";
  for (const auto& e : events) {
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{}\r\n", json::Rfc3339(e.time), CsvField(e.user_name),
                    CsvField(e.user_login), CsvField(DisplayName(e.event)), CsvField(e.description),
                    CsvField(e.source_ip), Bool(e.req_org_admin), Bool(e.req_stack_admin),
                    Bool(e.auth_failure));
  }
  return out;
}

std::string CefHeaderEscape(std::string_view value) {
  std::string out;
  AppendCefEscaped(out, value, '|');
  return out;
}

std::string CefExtensionEscape(std::string_view value) {
  std::string out;
  AppendCefEscaped(out, value, '=');
  return out;
}

std::string CefTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{} {:02} {:02}:{:02}:{:02}", kMonths[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string CefHost(std::string_view host_header) {
  std::string_view host = host_header;
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    host = close == std::string_view::npos ? std::string_view() : host.substr(1, close - 1);
  } else if (size_t colon = host.find(':'); colon != std::string_view::npos &&
                                            host.find(':', colon + 1) == std::string_view::npos) {
    host = host.substr(0, colon);  // name:port (a bare IPv6 literal has several colons)
  }
  if (host.empty() || host.size() > 253) return "statehouse";
  for (char c : host) {
    if (!IsHostChar(c)) return "statehouse";
  }
  return std::string(host);
}

std::string ToCef(const std::vector<storage::AuditEventRecord>& events, std::string_view host) {
  const std::string escaped_host = CefExtensionEscape(host);
  std::string out;
  for (const auto& e : events) {
    out += fmt::format(
        "{} {} CEF:0|Pulumi|Pulumi Service|1.0|{}|{}|0|authenticationFailure={} dvchost={} "
        "orgID={} requireOrgAdmin={} requireStackAdmin={} rt={} src={} suser={} tokenID={} "
        "tokenName={} userID={}\n",
        CefTime(e.time), host, CefHeaderEscape(DisplayName(e.event)),
        CefHeaderEscape(e.description), Bool(e.auth_failure), escaped_host,
        CefExtensionEscape(e.org_id), Bool(e.req_org_admin), Bool(e.req_stack_admin), e.time * 1000,
        CefExtensionEscape(e.source_ip), CefExtensionEscape(e.user_login),
        CefExtensionEscape(e.token_id), CefExtensionEscape(e.token_name),
        CefExtensionEscape(e.user_id));
  }
  return out;
}

}  // namespace statehouse::audit
