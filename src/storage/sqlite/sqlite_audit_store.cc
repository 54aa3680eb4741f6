// AuditStore: the append-only audit trail (table audit_events, migration 7).
//
// Listing seeks the (org_id, time DESC, id DESC) index, or the per-user one,
// with one row-value bound that folds the keyset position and not_after
// together, so every page costs O(page) however deep it is.

#include <fmt/format.h>

#include <limits>

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_store.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

constexpr char kInsertAuditEventSql[] =
    "INSERT INTO audit_events (id, org_id, time, event, description, source_ip, user_id,"
    " user_login, user_name, token_id, token_name, req_org_admin, req_stack_admin, auth_failure)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

// ?1 org, ?2/?3 exclusive upper (time, id) bound, ?4 inclusive lower time
// bound, ?5 JSON array of event ids or NULL for all, ?6 limit.
constexpr char kListAuditEventsSql[] =
    "SELECT id, org_id, time, event, description, source_ip, user_id, user_login, user_name,"
    " token_id, token_name, req_org_admin, req_stack_admin, auth_failure FROM audit_events"
    " WHERE org_id = ?1 AND (time, id) < (?2, ?3) AND time >= ?4"
    " AND (?5 IS NULL OR event IN (SELECT value FROM json_each(?5)))"
    " ORDER BY time DESC, id DESC LIMIT ?6";
// As above, plus ?7 user id.
constexpr char kListAuditEventsByUserSql[] =
    "SELECT id, org_id, time, event, description, source_ip, user_id, user_login, user_name,"
    " token_id, token_name, req_org_admin, req_stack_admin, auth_failure FROM audit_events"
    " WHERE org_id = ?1 AND user_id = ?7 AND (time, id) < (?2, ?3) AND time >= ?4"
    " AND (?5 IS NULL OR event IN (SELECT value FROM json_each(?5)))"
    " ORDER BY time DESC, id DESC LIMIT ?6";

AuditEventRecord ReadAuditEvent(const Statement& stmt) {
  AuditEventRecord e;
  e.id = stmt.ColumnText(0);
  e.org_id = stmt.ColumnText(1);
  e.time = stmt.ColumnInt(2);
  e.event = stmt.ColumnText(3);
  e.description = stmt.ColumnText(4);
  e.source_ip = stmt.ColumnText(5);
  e.user_id = stmt.ColumnText(6);
  e.user_login = stmt.ColumnText(7);
  e.user_name = stmt.ColumnText(8);
  e.token_id = stmt.ColumnText(9);
  e.token_name = stmt.ColumnText(10);
  e.req_org_admin = stmt.ColumnInt(11) != 0;
  e.req_stack_admin = stmt.ColumnInt(12) != 0;
  e.auth_failure = stmt.ColumnInt(13) != 0;
  return e;
}

// `values` as a JSON array of strings (for json_each).
std::string JsonStringArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (unsigned char c : values[i]) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x20) {
        out += fmt::format("\\u{:04x}", c);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('"');
  }
  out.push_back(']');
  return out;
}

}  // namespace
}  // namespace sqlite

Result<void> SqliteStore::AppendAuditEvent(const AuditEventRecord& event) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertAuditEventSql));
    stmt.BindText(1, event.id)
        .BindText(2, event.org_id)
        .BindInt(3, event.time)
        .BindText(4, event.event)
        .BindText(5, event.description)
        .BindText(6, event.source_ip)
        .BindText(7, event.user_id)
        .BindText(8, event.user_login)
        .BindText(9, event.user_name)
        .BindText(10, event.token_id)
        .BindText(11, event.token_name)
        .BindInt(12, event.req_org_admin ? 1 : 0)
        .BindInt(13, event.req_stack_admin ? 1 : 0)
        .BindInt(14, event.auth_failure ? 1 : 0);
    return sqlite::AlreadyExistsAs(stmt.Run(),
                                   fmt::format("Audit event '{}' already exists", event.id));
  });
}

Result<std::vector<AuditEventRecord>> SqliteStore::ListAuditEvents(const AuditQuery& query) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  // Exclusive upper bound on (time, id): the keyset position, tightened by
  // not_after (time <= t is (time, id) < (t + 1, "") as every id sorts
  // after ""). With neither, (kMax, "") admits every real time.
  int64_t upper_time = kMax;
  std::string upper_id;
  if (query.after) {
    upper_time = query.after->time;
    upper_id = query.after->id;
  }
  if (query.not_after && *query.not_after < kMax) {
    const int64_t bound = *query.not_after + 1;
    if (bound <= upper_time) {
      upper_time = bound;
      upper_id.clear();
    }
  }
  const int64_t lower_time = query.not_before.value_or(kMin);
  const std::string events = sqlite::JsonStringArray(query.events);
  if (query.limit <= 0) return std::vector<AuditEventRecord>();

  return Query([&](Connection& conn) -> Result<std::vector<AuditEventRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(query.user_id ? sqlite::kListAuditEventsByUserSql
                                                              : sqlite::kListAuditEventsSql));
    stmt.BindText(1, query.org_id)
        .BindInt(2, upper_time)
        .BindText(3, upper_id)
        .BindInt(4, lower_time);
    if (!query.events.empty()) stmt.BindText(5, events);  // else NULL (cleared binding)
    stmt.BindInt(6, query.limit);
    if (query.user_id) stmt.BindText(7, *query.user_id);
    std::vector<AuditEventRecord> out;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      out.push_back(sqlite::ReadAuditEvent(stmt));
    }
    return out;
  });
}

}  // namespace statehouse::storage
