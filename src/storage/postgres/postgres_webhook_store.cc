// PostgresStore: the WebhookStore methods (schema: migrations_0008_webhooks.cc).
//
// The same choices as SqliteStore where WebhookStore leaves room:
//   * a stack webhook belongs to its stack wherever the stack moves: stack
//     scope lookups, name uniqueness and ListWebhooksForEvent match on
//     stack_id alone (the row's org_id stays the org it was created in);
//   * ClaimWebhookJobs orders by (next_attempt_at, created, id); a claim is
//     live while claimed_until > now;
//   * FinishWebhookAttempt and AddWebhookDelivery record nothing when the
//     webhook is gone; AddWebhookDelivery then fails with kNotFound;
//   * kRetry stores attempts = job.attempts + 1 and the job's
//     next_attempt_at as given.
//
// Concurrency across replicas:
//   * name uniqueness is enforced by unique indexes (org scope: (org_id,
//     stack_id, name); stack scope: (stack_id, name) where stack_id <> ''),
//     so concurrent creates and renames cannot both succeed;
//   * ClaimWebhookJobs is one UPDATE whose candidate rows are picked with
//     FOR UPDATE SKIP LOCKED: a job locked by another claimer (or by a
//     worker settling it) is skipped, and a job another claimer committed
//     meanwhile is re-checked against the newest row version, so no two
//     claimers get the same job;
//   * recording a delivery first row-locks the webhook (FOR NO KEY UPDATE,
//     which leaves foreign-key checks of concurrent job inserts alone): a
//     concurrent delete either waits for the record or makes it a no-op, and
//     records of one webhook (and their trimming to `keep`) serialize.

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {
namespace {

#define SH_PG_WEBHOOK_COLUMNS                                                              \
  "id, org_id, stack_id, name, display_name, payload_url, active, format, filters,"       \
  " groups_json, secret_ciphertext, created"

constexpr char kInsertWebhookSql[] =
    "INSERT INTO webhooks (" SH_PG_WEBHOOK_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
// Org scope: $1 org, $2 name. Stack scope: $1 stack (not ''), $2 name,
// whatever the org; `stack_id <> ''` lets the partial index serve it.
constexpr char kSelectOrgWebhookSql[] =
    "SELECT " SH_PG_WEBHOOK_COLUMNS " FROM webhooks"
    " WHERE org_id = $1 AND stack_id = '' AND name = $2";
constexpr char kSelectStackWebhookSql[] =
    "SELECT " SH_PG_WEBHOOK_COLUMNS " FROM webhooks"
    " WHERE stack_id = $1 AND stack_id <> '' AND name = $2";
constexpr char kListOrgWebhooksSql[] =
    "SELECT " SH_PG_WEBHOOK_COLUMNS " FROM webhooks"
    " WHERE org_id = $1 AND stack_id = '' ORDER BY name";
constexpr char kListStackWebhooksSql[] =
    "SELECT " SH_PG_WEBHOOK_COLUMNS " FROM webhooks"
    " WHERE stack_id = $1 AND stack_id <> '' ORDER BY name";
// $1 org, $2 stack or '' (then the second arm matches nothing).
constexpr char kListWebhooksForEventSql[] =
    "SELECT " SH_PG_WEBHOOK_COLUMNS " FROM webhooks"
    " WHERE active AND ((org_id = $1 AND stack_id = '') OR (stack_id = $2 AND stack_id <> ''))"
    " ORDER BY stack_id, name";
constexpr char kSelectWebhookByIdSql[] =
    "SELECT " SH_PG_WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1";
constexpr char kUpdateWebhookSql[] =
    "UPDATE webhooks SET name = $2, display_name = $3, payload_url = $4, active = $5,"
    " format = $6, filters = $7, groups_json = $8, secret_ciphertext = $9 WHERE id = $1";
constexpr char kDeleteWebhookSql[] = "DELETE FROM webhooks WHERE id = $1";
// Locks the webhook row for recording deliveries (see the file comment).
constexpr char kLockWebhookSql[] = "SELECT 1 FROM webhooks WHERE id = $1 FOR NO KEY UPDATE";
#undef SH_PG_WEBHOOK_COLUMNS

constexpr char kInsertJobSql[] =
    "INSERT INTO webhook_jobs (id, webhook_id, kind, payload, attempts, next_attempt_at,"
    " claimed_until, created) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)";
// $1 now, $2 claim_until, $3 limit. The candidates are locked (skipping rows
// other transactions hold) before the UPDATE sets their claim; MATERIALIZED
// makes the candidate query run exactly once.
constexpr char kClaimJobsSql[] =
    "WITH due AS MATERIALIZED ("
    " SELECT id FROM webhook_jobs WHERE next_attempt_at <= $1::bigint"
    " AND claimed_until <= $1::bigint"
    " ORDER BY next_attempt_at, created, id LIMIT $3 FOR UPDATE SKIP LOCKED)"
    " UPDATE webhook_jobs AS j SET claimed_until = $2::bigint FROM due WHERE j.id = due.id"
    " RETURNING j.id, j.webhook_id, j.kind, j.payload, j.attempts, j.next_attempt_at, j.created";
constexpr char kDeleteJobSql[] = "DELETE FROM webhook_jobs WHERE id = $1";
constexpr char kRetryJobSql[] =
    "UPDATE webhook_jobs SET attempts = $2, next_attempt_at = $3, claimed_until = 0"
    " WHERE id = $1";
constexpr char kCountJobsSql[] = "SELECT COUNT(*) FROM webhook_jobs";

#define SH_PG_DELIVERY_COLUMNS                                                             \
  "id, webhook_id, job_id, kind, payload, timestamp, duration_ms, request_url,"           \
  " request_headers, response_code, response_headers, response_body"
constexpr char kInsertDeliverySql[] =
    "INSERT INTO webhook_deliveries (" SH_PG_DELIVERY_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
// Deletes every record of the webhook past the newest $2.
constexpr char kTrimDeliveriesSql[] =
    "DELETE FROM webhook_deliveries WHERE seq IN ("
    " SELECT seq FROM webhook_deliveries WHERE webhook_id = $1"
    " ORDER BY timestamp DESC, seq DESC OFFSET $2)";
constexpr char kListDeliveriesSql[] =
    "SELECT " SH_PG_DELIVERY_COLUMNS " FROM webhook_deliveries WHERE webhook_id = $1"
    " ORDER BY timestamp DESC, seq DESC LIMIT $2";
constexpr char kSelectDeliverySql[] =
    "SELECT " SH_PG_DELIVERY_COLUMNS " FROM webhook_deliveries"
    " WHERE webhook_id = $1 AND id = $2";
#undef SH_PG_DELIVERY_COLUMNS

std::string EncodeStrings(const std::vector<std::string>& values) {
  boost::json::array array;
  for (const auto& v : values) array.push_back(boost::json::string(v));
  return boost::json::serialize(array);
}

std::vector<std::string> DecodeStrings(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_array()) return out;
  for (const auto& item : value.get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string().data(), item.get_string().size());
  }
  return out;
}

WebhookRecord ReadWebhook(const Rows& rows) {
  WebhookRecord hook;
  hook.id = rows.Text(0);
  hook.org_id = rows.Text(1);
  hook.stack_id = rows.Text(2);
  hook.name = rows.Text(3);
  hook.display_name = rows.Text(4);
  hook.payload_url = rows.Text(5);
  hook.active = rows.Bool(6);
  hook.format = rows.Text(7);
  hook.filters = DecodeStrings(rows.Text(8));
  hook.groups = DecodeStrings(rows.Text(9));
  hook.secret_ciphertext = rows.Text(10);
  hook.created = rows.Int(11);
  return hook;
}

std::vector<WebhookRecord> ReadWebhooks(Rows& rows) {
  std::vector<WebhookRecord> hooks;
  while (rows.Next()) hooks.push_back(ReadWebhook(rows));
  return hooks;
}

WebhookJobRecord ReadJob(const Rows& rows) {
  WebhookJobRecord job;
  job.id = rows.Text(0);
  job.webhook_id = rows.Text(1);
  job.kind = rows.Text(2);
  job.payload = rows.Bytes(3);
  job.attempts = static_cast<int>(rows.Int(4));
  job.next_attempt_at = rows.Int(5);
  job.created = rows.Int(6);
  return job;
}

WebhookDeliveryRecord ReadDelivery(const Rows& rows) {
  WebhookDeliveryRecord d;
  d.id = rows.Text(0);
  d.webhook_id = rows.Text(1);
  d.job_id = rows.Text(2);
  d.kind = rows.Text(3);
  d.payload = rows.Bytes(4);
  d.timestamp = rows.Int(5);
  d.duration_ms = rows.Int(6);
  d.request_url = rows.Text(7);
  d.request_headers = rows.Text(8);
  d.response_code = static_cast<int>(rows.Int(9));
  d.response_headers = rows.Text(10);
  d.response_body = rows.Bytes(11);
  return d;
}

std::string TakenMessage(const std::string& name) {
  return fmt::format("webhook '{}' already exists", name);
}

// Records `d` and trims the webhook's records to the newest `keep`, if the
// webhook exists; returns whether it did. Only inside Write.
Result<bool> RecordDelivery(Connection& conn, const WebhookDeliveryRecord& d, int keep) {
  {
    SH_ASSIGN_OR_RETURN(auto locked, conn.Exec(kLockWebhookSql, Params().Text(d.webhook_id)));
    if (!locked.Next()) return false;
  }
  SH_TRY(conn.Run(kInsertDeliverySql, Params()
                                          .Text(d.id)
                                          .Text(d.webhook_id)
                                          .Text(d.job_id)
                                          .Text(d.kind)
                                          .Bytes(d.payload)
                                          .Int(d.timestamp)
                                          .Int(d.duration_ms)
                                          .Text(d.request_url)
                                          .Text(d.request_headers)
                                          .Int(d.response_code)
                                          .Text(d.response_headers)
                                          .Bytes(d.response_body)));
  SH_TRY(conn.Run(kTrimDeliveriesSql, Params().Text(d.webhook_id).Int(std::max(0, keep))));
  return true;
}

}  // namespace
}  // namespace pg

Result<void> PostgresStore::CreateWebhook(const WebhookRecord& hook) {
  const std::string filters = pg::EncodeStrings(hook.filters);
  const std::string groups = pg::EncodeStrings(hook.groups);
  return Write([&](Connection& conn) -> Result<void> {
    return pg::AlreadyExistsAs(conn.Run(pg::kInsertWebhookSql, Params()
                                                                   .Text(hook.id)
                                                                   .Text(hook.org_id)
                                                                   .Text(hook.stack_id)
                                                                   .Text(hook.name)
                                                                   .Text(hook.display_name)
                                                                   .Text(hook.payload_url)
                                                                   .Bool(hook.active)
                                                                   .Text(hook.format)
                                                                   .Text(filters)
                                                                   .Text(groups)
                                                                   .Text(hook.secret_ciphertext)
                                                                   .Int(hook.created)),
                               pg::TakenMessage(hook.name));
  });
}

Result<WebhookRecord> PostgresStore::GetWebhook(const std::string& org_id,
                                                const std::string& stack_id,
                                                const std::string& name) {
  return Query([&](Connection& conn) -> Result<WebhookRecord> {
    SH_ASSIGN_OR_RETURN(
        auto rows, stack_id.empty()
                       ? conn.Exec(pg::kSelectOrgWebhookSql, Params().Text(org_id).Text(name))
                       : conn.Exec(pg::kSelectStackWebhookSql, Params().Text(stack_id).Text(name)));
    if (!rows.Next()) return Fail(Error::NotFound(fmt::format("webhook '{}' not found", name)));
    return pg::ReadWebhook(rows);
  });
}

Result<std::vector<WebhookRecord>> PostgresStore::ListWebhooks(const std::string& org_id,
                                                               const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<std::vector<WebhookRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        stack_id.empty()
                            ? conn.Exec(pg::kListOrgWebhooksSql, Params().Text(org_id))
                            : conn.Exec(pg::kListStackWebhooksSql, Params().Text(stack_id)));
    return pg::ReadWebhooks(rows);
  });
}

Result<std::vector<WebhookRecord>> PostgresStore::ListWebhooksForEvent(
    const std::string& org_id, const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<std::vector<WebhookRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kListWebhooksForEventSql,
                                             Params().Text(org_id).Text(stack_id)));
    return pg::ReadWebhooks(rows);
  });
}

Result<void> PostgresStore::UpdateWebhook(const WebhookRecord& hook) {
  const std::string filters = pg::EncodeStrings(hook.filters);
  const std::string groups = pg::EncodeStrings(hook.groups);
  return Write([&](Connection& conn) -> Result<void> {
    auto updated = conn.Exec(pg::kUpdateWebhookSql, Params()
                                                        .Text(hook.id)
                                                        .Text(hook.name)
                                                        .Text(hook.display_name)
                                                        .Text(hook.payload_url)
                                                        .Bool(hook.active)
                                                        .Text(hook.format)
                                                        .Text(filters)
                                                        .Text(groups)
                                                        .Text(hook.secret_ciphertext));
    if (!updated) {
      Error error = std::move(updated).error();
      if (error.code == ErrorCode::kAlreadyExists) error.message = pg::TakenMessage(hook.name);
      return Fail(std::move(error));
    }
    if (updated->Affected() == 0) return Fail(Error::NotFound("webhook not found"));
    return {};
  });
}

// Jobs and delivery records go by ON DELETE CASCADE.
Result<void> PostgresStore::DeleteWebhook(const std::string& webhook_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kDeleteWebhookSql, Params().Text(webhook_id)));
    if (rows.Affected() == 0) return Fail(Error::NotFound("webhook not found"));
    return {};
  });
}

Result<WebhookRecord> PostgresStore::GetWebhookById(const std::string& webhook_id) {
  return Query([&](Connection& conn) -> Result<WebhookRecord> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectWebhookByIdSql, Params().Text(webhook_id)));
    if (!rows.Next()) return Fail(Error::NotFound("webhook not found"));
    return pg::ReadWebhook(rows);
  });
}

Result<void> PostgresStore::EnqueueWebhookJob(const WebhookJobRecord& job) {
  return Write([&](Connection& conn) -> Result<void> {
    return conn.Run(pg::kInsertJobSql, Params()
                                           .Text(job.id)
                                           .Text(job.webhook_id)
                                           .Text(job.kind)
                                           .Bytes(job.payload)
                                           .Int(job.attempts)
                                           .Int(job.next_attempt_at)
                                           .Int(job.created));
  });
}

Result<std::vector<WebhookJobRecord>> PostgresStore::ClaimWebhookJobs(int64_t now,
                                                                      int64_t claim_until,
                                                                      int limit) {
  if (limit <= 0) return std::vector<WebhookJobRecord>{};
  // One statement, atomic on its own: no BEGIN/COMMIT round trips for the
  // idle polls that are the common case.
  return Query([&](Connection& conn) -> Result<std::vector<WebhookJobRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kClaimJobsSql,
                                             Params().Int(now).Int(claim_until).Int(limit)));
    std::vector<WebhookJobRecord> jobs;
    jobs.reserve(static_cast<size_t>(rows.count()));
    while (rows.Next()) jobs.push_back(pg::ReadJob(rows));
    // RETURNING follows no particular order.
    std::sort(jobs.begin(), jobs.end(), [](const WebhookJobRecord& a, const WebhookJobRecord& b) {
      return std::tie(a.next_attempt_at, a.created, a.id) <
             std::tie(b.next_attempt_at, b.created, b.id);
    });
    return jobs;
  });
}

Result<void> PostgresStore::FinishWebhookAttempt(const WebhookJobRecord& job,
                                                 WebhookJobOutcome outcome,
                                                 const WebhookDeliveryRecord& attempt, int keep) {
  return Write([&](Connection& conn) -> Result<void> {
    if (!attempt.id.empty()) SH_TRY(pg::RecordDelivery(conn, attempt, keep));
    if (outcome == WebhookJobOutcome::kRetry) {
      return conn.Run(pg::kRetryJobSql,
                      Params().Text(job.id).Int(job.attempts + 1).Int(job.next_attempt_at));
    }
    return conn.Run(pg::kDeleteJobSql, Params().Text(job.id));
  });
}

Result<void> PostgresStore::AddWebhookDelivery(const WebhookDeliveryRecord& delivery, int keep) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const bool recorded, pg::RecordDelivery(conn, delivery, keep));
    if (!recorded) return Fail(Error::NotFound("webhook not found"));
    return {};
  });
}

Result<std::vector<WebhookDeliveryRecord>> PostgresStore::ListWebhookDeliveries(
    const std::string& webhook_id, int limit) {
  return Query([&](Connection& conn) -> Result<std::vector<WebhookDeliveryRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kListDeliveriesSql,
                                             Params().Text(webhook_id).Int(std::max(0, limit))));
    std::vector<WebhookDeliveryRecord> deliveries;
    deliveries.reserve(static_cast<size_t>(rows.count()));
    while (rows.Next()) deliveries.push_back(pg::ReadDelivery(rows));
    return deliveries;
  });
}

Result<WebhookDeliveryRecord> PostgresStore::GetWebhookDelivery(const std::string& webhook_id,
                                                                const std::string& delivery_id) {
  return Query([&](Connection& conn) -> Result<WebhookDeliveryRecord> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectDeliverySql,
                                             Params().Text(webhook_id).Text(delivery_id)));
    if (!rows.Next()) return Fail(Error::NotFound("delivery not found"));
    return pg::ReadDelivery(rows);
  });
}

Result<int64_t> PostgresStore::CountWebhookJobs() {
  return Query([&](Connection& conn) -> Result<int64_t> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kCountJobsSql));
    return rows.Next() ? rows.Int(0) : 0;
  });
}

}  // namespace statehouse::storage
