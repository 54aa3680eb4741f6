// AuditStore: the append-only audit trail (schema: migration 7, audit).
//
// Appends are single INSERTs, so concurrent replicas need no locks; the
// primary key refuses a reused id. Listing seeks the (org_id, time DESC,
// id DESC) index, or the per-user one, with one row-value bound that folds
// the keyset position and not_after together, so every page costs O(page)
// however deep it is. Ids order by bytes on both engines (PostgreSQL ctext).
// The user and event filters are added to the listing only when asked for.

#include <fmt/format.h>

#include <limits>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kInsertAuditEvent,
         "INSERT INTO audit_events (id, org_id, time, event, description, source_ip, user_id,"
         " user_login, user_name, token_id, token_name, req_org_admin, req_stack_admin,"
         " auth_failure)"
         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");

// $1 org, $2/$3 exclusive upper (time, id) bound, $4 inclusive lower time
// bound, $5 limit; the filters that follow number their parameters from $6.
constexpr char kListAuditEventsSql[] =
    "SELECT id, org_id, time, event, description, source_ip, user_id, user_login, user_name,"
    " token_id, token_name, req_org_admin, req_stack_admin, auth_failure FROM audit_events"
    " WHERE org_id = $1 AND (time, id) < ($2::bigint, $3::text) AND time >= $4::bigint";

AuditEventRecord ReadAuditEvent(const Rows& rows) {
  AuditEventRecord e;
  e.id = rows.Text(0);
  e.org_id = rows.Text(1);
  e.time = rows.Int(2);
  e.event = rows.Text(3);
  e.description = rows.Text(4);
  e.source_ip = rows.Text(5);
  e.user_id = rows.Text(6);
  e.user_login = rows.Text(7);
  e.user_name = rows.Text(8);
  e.token_id = rows.Text(9);
  e.token_name = rows.Text(10);
  e.req_org_admin = rows.Bool(11);
  e.req_stack_admin = rows.Bool(12);
  e.auth_failure = rows.Bool(13);
  return e;
}

}  // namespace

Result<void> SqlStore::AppendAuditEvent(const AuditEventRecord& event) {
  return engine_->Write([&](Session& s) -> Result<void> {
    return AlreadyExistsAs(
        s.Run(kInsertAuditEvent,
              Params::Of(event.id, event.org_id, event.time, event.event, event.description,
                         event.source_ip, event.user_id, event.user_login, event.user_name,
                         event.token_id, event.token_name, event.req_org_admin,
                         event.req_stack_admin, event.auth_failure)),
        fmt::format("Audit event '{}' already exists", event.id));
  });
}

Result<std::vector<AuditEventRecord>> SqlStore::ListAuditEvents(const AuditQuery& query) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (query.limit <= 0) return std::vector<AuditEventRecord>();
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

  std::string sql = kListAuditEventsSql;
  Params params = Params::Of(query.org_id, upper_time, upper_id, lower_time, query.limit);
  int next = 6;
  if (query.user_id) {
    sql += fmt::format(" AND user_id = ${}", next++);
    params.Text(*query.user_id);
  }
  if (!query.events.empty()) {
    sql += " AND event IN (" + Placeholders(next, query.events.size()) + ")";
    for (const std::string& event : query.events) params.Text(event);
  }
  sql += " ORDER BY time DESC, id DESC LIMIT $5";

  return engine_->Single([&](Session& s) -> Result<std::vector<AuditEventRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, s.QueryDynamic(sql, params));
    return rows.All(ReadAuditEvent);
  });
}

}  // namespace statehouse::storage
