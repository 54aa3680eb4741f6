#pragma once

// Audit log export formats (Pulumi Cloud's CSV and CEF). Pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/audit_store.h"

namespace statehouse::audit {

// The CSV header row's fields, in Pulumi Cloud's order.
inline constexpr char kCsvHeader[] =
    "Timestamp,Name,Login,Event,Description,SourceIP,RequireOrgAdmin,RequireStackAdmin,"
    "AuthenticationFailure";

// One CSV field, RFC 4180: quoted (with quotes doubled) when it contains a
// comma, a double quote, CR or LF, or starts or ends with a space.
std::string CsvField(std::string_view value);

// The header row then one row per event, in the given order. Records end in
// CRLF (RFC 4180), the last one included. Timestamp is RFC 3339 UTC, Event the
// display name, flags "true"/"false".
std::string ToCsv(const std::vector<storage::AuditEventRecord>& events);

// CEF escaping: a header field escapes '\' and '|'; an extension value
// escapes '\' and '='. Both write CR and LF as "\r" and "\n", so each event
// stays on one line.
std::string CefHeaderEscape(std::string_view value);
std::string CefExtensionEscape(std::string_view value);

// "MMM dd HH:mm:ss" in UTC, e.g. "Apr 01 23:51:45".
std::string CefTime(int64_t unix_seconds);

// The host a CEF line names: `host_header` without its port (and without the
// brackets of an IPv6 literal), when it is a plain host name or address;
// else "statehouse".
std::string CefHost(std::string_view host_header);

// One line per event (LF-terminated):
// `<time> <host> CEF:0|Pulumi|Pulumi Service|1.0|<display name>|<description>|0|<extensions>`
// with extension keys in alphabetical order: authenticationFailure, dvchost,
// orgID, requireOrgAdmin, requireStackAdmin, rt (ms), src, suser, tokenID,
// tokenName, userID.
std::string ToCef(const std::vector<storage::AuditEventRecord>& events, std::string_view host);

}  // namespace statehouse::audit
