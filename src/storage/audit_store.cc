// AuditStore: the append-only audit trail (schema: migrations_0007_audit.cc).
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
    auto inserted = s.Execute(kInsertAuditEvent, Params()
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
                                                     .Bool(event.auth_failure));
    SH_TRY(AlreadyExistsAs(std::move(inserted),
                           fmt::format("Audit event '{}' already exists", event.id)));
    return {};
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
  Params params;
  params.Text(query.org_id).Int(upper_time).Text(upper_id).Int(lower_time).Int(query.limit);
  int next = 6;
  if (query.user_id) {
    sql += fmt::format(" AND user_id = ${}", next++);
    params.Text(*query.user_id);
  }
  if (!query.events.empty()) {
    sql += " AND event IN (";
    for (size_t i = 0; i < query.events.size(); ++i) {
      sql += fmt::format("{}${}", i > 0 ? ", " : "", next++);
      params.Text(query.events[i]);
    }
    sql += ')';
  }
  sql += " ORDER BY time DESC, id DESC LIMIT $5";

  return engine_->Single([&](Session& s) -> Result<std::vector<AuditEventRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, s.QueryDynamic(sql, params));
    std::vector<AuditEventRecord> out;
    out.reserve(static_cast<size_t>(rows.Count()));
    while (rows.Next()) out.push_back(ReadAuditEvent(rows));
    return out;
  });
}

}  // namespace statehouse::storage
