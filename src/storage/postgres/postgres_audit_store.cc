// AuditStore: the append-only audit trail (table audit_events, migration 7).
//
// Appends are single INSERTs, so concurrent replicas need no locks; the
// primary key refuses a reused id. Listing seeks the (org_id, time DESC,
// id DESC) index, or the per-user one, with one row-value bound that folds the
// keyset position and not_after together, so every page costs O(page)
// however deep it is. Ids are ctext, so they order by bytes as in SQLite.

#include <fmt/format.h>

#include <limits>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {
namespace {

constexpr char kInsertAuditEventSql[] =
    "INSERT INTO audit_events (id, org_id, time, event, description, source_ip, user_id,"
    " user_login, user_name, token_id, token_name, req_org_admin, req_stack_admin, auth_failure)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

#define SH_PG_AUDIT_SELECT                                                                  \
  "SELECT id, org_id, time, event, description, source_ip, user_id, user_login, user_name," \
  " token_id, token_name, req_org_admin, req_stack_admin, auth_failure FROM audit_events"

// $1 org, $2/$3 exclusive upper (time, id) bound, $4 inclusive lower time
// bound, $5 array of event ids or NULL for all, $6 limit.
constexpr char kListAuditEventsSql[] =
    SH_PG_AUDIT_SELECT
    " WHERE org_id = $1 AND (time, id) < ($2::bigint, $3::text) AND time >= $4::bigint"
    " AND ($5::text[] IS NULL OR event = ANY($5::text[]))"
    " ORDER BY time DESC, id DESC LIMIT $6";
// As above, plus $7 user id.
constexpr char kListAuditEventsByUserSql[] =
    SH_PG_AUDIT_SELECT
    " WHERE org_id = $1 AND user_id = $7 AND (time, id) < ($2::bigint, $3::text)"
    " AND time >= $4::bigint AND ($5::text[] IS NULL OR event = ANY($5::text[]))"
    " ORDER BY time DESC, id DESC LIMIT $6";
#undef SH_PG_AUDIT_SELECT

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
}  // namespace pg

Result<void> PostgresStore::AppendAuditEvent(const AuditEventRecord& event) {
  return Write([&](Connection& conn) -> Result<void> {
    return pg::AlreadyExistsAs(conn.Run(pg::kInsertAuditEventSql, Params()
                                                                      .Text(event.id)
                                                                      .Text(event.org_id)
                                                                      .Int(event.time)
                                                                      .Text(event.event)
                                                                      .Text(event.description)
                                                                      .Text(event.source_ip)
                                                                      .Text(event.user_id)
                                                                      .Text(event.user_login)
                                                                      .Text(event.user_name)
                                                                      .Text(event.token_id)
                                                                      .Text(event.token_name)
                                                                      .Bool(event.req_org_admin)
                                                                      .Bool(event.req_stack_admin)
                                                                      .Bool(event.auth_failure)),
                               fmt::format("Audit event '{}' already exists", event.id));
  });
}

Result<std::vector<AuditEventRecord>> PostgresStore::ListAuditEvents(const AuditQuery& query) {
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

  return Query([&](Connection& conn) -> Result<std::vector<AuditEventRecord>> {
    Params params;
    params.Text(query.org_id).Int(upper_time).Text(upper_id).Int(lower_time);
    if (query.events.empty()) {
      params.Null();
    } else {
      params.Text(pg::TextArray(query.events));
    }
    params.Int(query.limit);
    if (query.user_id) params.Text(*query.user_id);
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(query.user_id ? pg::kListAuditEventsByUserSql
                                                           : pg::kListAuditEventsSql,
                                             params));
    std::vector<AuditEventRecord> out;
    out.reserve(static_cast<size_t>(rows.count()));
    while (rows.Next()) out.push_back(pg::ReadAuditEvent(rows));
    return out;
  });
}

}  // namespace statehouse::storage
