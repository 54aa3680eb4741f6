// Webhooks, their delivery queue and delivery records (schema:
// migration 8, webhooks).
//
// Choices where WebhookStore leaves room: a stack webhook row keeps the
// org_id it was created in (lookups use stack_id alone); ClaimWebhookJobs
// orders by (next_attempt_at, created, id), and a claim is live while
// claimed_until > now.
//
// Concurrency across replicas (PostgreSQL; SQLite's writers are serialized):
//   * name uniqueness: an org's webhooks by the unique (org_id, stack_id,
//     name); a stack's by (stack_id, name) alone, which PostgreSQL enforces
//     with a partial unique index and SQLite (whose schema lacks it) through
//     the NOT EXISTS guard of the insert and the rename, so concurrent
//     creates and renames cannot both succeed;
//   * ClaimWebhookJobs is one UPDATE whose candidate rows are picked with
//     FOR UPDATE SKIP LOCKED: a job locked by another claimer (or by a
//     worker settling it) is skipped, and a job another claimer committed
//     meanwhile is re-checked against the newest row version, so no two
//     claimers get the same job. An idle queue (the common case) costs one
//     read and no write transaction;
//   * recording a delivery row-locks the webhook (FOR NO KEY UPDATE, which
//     leaves foreign-key checks of concurrent job inserts alone) in the
//     statement that inserts it: a concurrent delete either waits for the
//     record or makes it a no-op, and records of one webhook (and their
//     trimming to `keep`, a later statement that sees the records committed
//     meanwhile) serialize.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <tuple>
#include <utility>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

#define SH_WEBHOOK_COLUMNS                                                                  \
  "id, org_id, stack_id, name, display_name, payload_url, active, format, filters,"       \
  " groups_json, secret_ciphertext, created"

// $1..$9 as kUpdateWebhook's, then org, stack and created. Inserts nothing
// when the stack scope ($11 not '') already has a webhook named $2 (the org
// scope is the table's unique key).
SH_QUERY(kInsertWebhook, "INSERT INTO webhooks (" SH_WEBHOOK_COLUMNS
                         ")"
                         " SELECT $1, $10, $11::ctext, $2::ctext, $3, $4, $5, $6, $7, $8, $9, $12"
                         " WHERE NOT EXISTS (SELECT 1 FROM webhooks"
                         " WHERE stack_id = $11 AND stack_id <> '' AND name = $2)");
// Org scope: $1 org, $2 name. Stack scope: $1 stack (not ''), $2 name,
// whatever the org; `stack_id <> ''` lets the partial index serve it.
SH_QUERY(kSelectOrgWebhook,
         "SELECT " SH_WEBHOOK_COLUMNS " FROM webhooks"
         " WHERE org_id = $1 AND stack_id = '' AND name = $2");
SH_QUERY(kSelectStackWebhook,
         "SELECT " SH_WEBHOOK_COLUMNS " FROM webhooks"
         " WHERE stack_id = $1 AND stack_id <> '' AND name = $2");
SH_QUERY(kListOrgWebhooks,
         "SELECT " SH_WEBHOOK_COLUMNS " FROM webhooks"
         " WHERE org_id = $1 AND stack_id = '' ORDER BY name");
SH_QUERY(kListStackWebhooks,
         "SELECT " SH_WEBHOOK_COLUMNS " FROM webhooks"
         " WHERE stack_id = $1 AND stack_id <> '' ORDER BY name");
// $1 org, $2 stack or '' (then the second arm matches nothing).
SH_QUERY(kListWebhooksForEvent,
         "SELECT " SH_WEBHOOK_COLUMNS " FROM webhooks"
         " WHERE active AND ((org_id = $1 AND stack_id = '') OR (stack_id = $2 AND stack_id <> ''))"
         " ORDER BY stack_id, name");
SH_QUERY(kSelectWebhookById, "SELECT " SH_WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1");
SH_QUERY(kWebhookExists, "SELECT 1 FROM webhooks WHERE id = $1");
// Updates nothing when the webhook's stack scope has another webhook named $2.
SH_QUERY(kUpdateWebhook,
         "UPDATE webhooks SET name = $2, display_name = $3, payload_url = $4, active = $5,"
         " format = $6, filters = $7, groups_json = $8, secret_ciphertext = $9"
         " WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM webhooks AS other"
         " WHERE other.stack_id = webhooks.stack_id AND other.stack_id <> ''"
         " AND other.name = $2 AND other.id <> $1)");
SH_QUERY(kDeleteWebhook, "DELETE FROM webhooks WHERE id = $1");
#undef SH_WEBHOOK_COLUMNS

SH_QUERY(kInsertWebhookJob,
         "INSERT INTO webhook_jobs (id, webhook_id, kind, payload, attempts, next_attempt_at,"
         " claimed_until, created) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)");
// $1 now.
SH_QUERY(kAnyWebhookJobDue,
         "SELECT 1 FROM webhook_jobs WHERE next_attempt_at <= $1 AND claimed_until <= $1 LIMIT 1");
// $1 now, $2 claim_until, $3 limit. On PostgreSQL the candidates are locked
// (skipping rows other transactions hold) before the UPDATE sets their
// claim; MATERIALIZED makes the candidate query run exactly once.
SH_ENGINE_QUERY(kClaimWebhookJobs,
                "UPDATE webhook_jobs SET claimed_until = $2 WHERE id IN ("
                " SELECT id FROM webhook_jobs WHERE next_attempt_at <= $1 AND claimed_until <= $1"
                " ORDER BY next_attempt_at, created, id LIMIT $3)"
                " RETURNING id, webhook_id, kind, payload, attempts, next_attempt_at, created",
                "WITH due AS MATERIALIZED ("
                " SELECT id FROM webhook_jobs WHERE next_attempt_at <= $1::bigint"
                " AND claimed_until <= $1::bigint"
                " ORDER BY next_attempt_at, created, id LIMIT $3 FOR UPDATE SKIP LOCKED)"
                " UPDATE webhook_jobs AS j SET claimed_until = $2::bigint FROM due"
                " WHERE j.id = due.id"
                " RETURNING j.id, j.webhook_id, j.kind, j.payload, j.attempts, j.next_attempt_at,"
                " j.created");
SH_QUERY(kDeleteWebhookJob, "DELETE FROM webhook_jobs WHERE id = $1");
SH_QUERY(kRetryWebhookJob,
         "UPDATE webhook_jobs SET attempts = $2, next_attempt_at = $3, claimed_until = 0"
         " WHERE id = $1");
SH_QUERY(kCountWebhookJobs, "SELECT COUNT(*) FROM webhook_jobs");

#define SH_DELIVERY_COLUMNS                                                     \
  "id, webhook_id, job_id, kind, payload, timestamp, duration_ms, request_url," \
  " request_headers, response_code, response_headers, response_body"
// Inserts only while the webhook $2 exists, row-locking it (see the file
// comment).
SH_QUERY(kInsertWebhookDelivery,
         "INSERT INTO webhook_deliveries (" SH_DELIVERY_COLUMNS ")"
         " SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12"
         " FROM webhooks WHERE id = $2 FOR NO KEY UPDATE");
// Deletes every record of the webhook past the newest $2.
SH_QUERY(kTrimWebhookDeliveries,
         "DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND seq NOT IN ("
         " SELECT seq FROM webhook_deliveries WHERE webhook_id = $1"
         " ORDER BY timestamp DESC, seq DESC LIMIT $2)");
SH_QUERY(kListWebhookDeliveries,
         "SELECT " SH_DELIVERY_COLUMNS " FROM webhook_deliveries WHERE webhook_id = $1"
         " ORDER BY timestamp DESC, seq DESC LIMIT $2");
SH_QUERY(kSelectWebhookDelivery,
         "SELECT " SH_DELIVERY_COLUMNS " FROM webhook_deliveries"
         " WHERE webhook_id = $1 AND id = $2");
#undef SH_DELIVERY_COLUMNS

std::string EncodeStrings(const std::vector<std::string>& values) {
  boost::json::array array;
  for (const auto& v : values) array.push_back(boost::json::string(v));
  return boost::json::serialize(array);
}

std::vector<std::string> DecodeStrings(std::string_view text) {
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
  hook.filters = DecodeStrings(rows.View(8));
  hook.groups = DecodeStrings(rows.View(9));
  hook.secret_ciphertext = rows.Text(10);
  hook.created = rows.Int(11);
  return hook;
}

// The parameters kUpdateWebhook takes, and kInsertWebhook's first ones.
// `filters` and `groups` are the hook's, encoded.
Params WebhookParams(const WebhookRecord& hook, const std::string& filters,
                     const std::string& groups) {
  return Params::Of(hook.id, hook.name, hook.display_name, hook.payload_url, hook.active,
                    hook.format, filters, groups, hook.secret_ciphertext);
}

WebhookJobRecord ReadJob(const Rows& rows) {
  return WebhookJobRecord{
      rows.Text(0), rows.Text(1), rows.Text(2), rows.Text(3), static_cast<int>(rows.Int(4)),
      rows.Int(5),  rows.Int(6)};
}

WebhookDeliveryRecord ReadDelivery(const Rows& rows) {
  WebhookDeliveryRecord d;
  d.id = rows.Text(0);
  d.webhook_id = rows.Text(1);
  d.job_id = rows.Text(2);
  d.kind = rows.Text(3);
  d.payload = rows.Text(4);
  d.timestamp = rows.Int(5);
  d.duration_ms = rows.Int(6);
  d.request_url = rows.Text(7);
  d.request_headers = rows.Text(8);
  d.response_code = static_cast<int>(rows.Int(9));
  d.response_headers = rows.Text(10);
  d.response_body = rows.Text(11);
  return d;
}

std::string TakenMessage(const std::string& name) {
  return fmt::format("webhook '{}' already exists", name);
}

// Records `d` and trims the webhook's records to the newest `keep`, if the
// webhook exists; returns whether it did. Only inside Write.
Result<bool> RecordDelivery(Session& s, const WebhookDeliveryRecord& d, int keep) {
  SH_ASSIGN_OR_RETURN(
      const int64_t inserted,
      s.Execute(kInsertWebhookDelivery,
                Params::Of(d.id, d.webhook_id, d.job_id, d.kind, Params::Blob{d.payload},
                           d.timestamp, d.duration_ms, d.request_url, d.request_headers,
                           d.response_code, d.response_headers, Params::Blob{d.response_body})));
  if (inserted == 0) return false;
  SH_TRY(s.Run(kTrimWebhookDeliveries, Params::Of(d.webhook_id, std::max(0, keep))));
  return true;
}

}  // namespace

Result<void> SqlStore::CreateWebhook(const WebhookRecord& hook) {
  const std::string filters = EncodeStrings(hook.filters);
  const std::string groups = EncodeStrings(hook.groups);
  Params params = WebhookParams(hook, filters, groups);
  params.Text(hook.org_id).Text(hook.stack_id).Int(hook.created);
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const int64_t inserted, AlreadyExistsAs(s.Execute(kInsertWebhook, params),
                                                                TakenMessage(hook.name)));
    if (inserted == 0) return Fail(Error::AlreadyExists(TakenMessage(hook.name)));
    return {};
  });
}

Result<WebhookRecord> SqlStore::GetWebhook(const std::string& org_id, const std::string& stack_id,
                                           const std::string& name) {
  const bool org_scope = stack_id.empty();
  return engine_->One(org_scope ? kSelectOrgWebhook : kSelectStackWebhook,
                      Params::Of(org_scope ? org_id : stack_id, name), ReadWebhook,
                      fmt::format("webhook '{}' not found", name));
}

Result<std::vector<WebhookRecord>> SqlStore::ListWebhooks(const std::string& org_id,
                                                          const std::string& stack_id) {
  const bool org_scope = stack_id.empty();
  return engine_->All(org_scope ? kListOrgWebhooks : kListStackWebhooks,
                      Params::Of(org_scope ? org_id : stack_id), ReadWebhook);
}

Result<std::vector<WebhookRecord>> SqlStore::ListWebhooksForEvent(const std::string& org_id,
                                                                  const std::string& stack_id) {
  return engine_->All(kListWebhooksForEvent, Params::Of(org_id, stack_id), ReadWebhook);
}

Result<void> SqlStore::UpdateWebhook(const WebhookRecord& hook) {
  const std::string filters = EncodeStrings(hook.filters);
  const std::string groups = EncodeStrings(hook.groups);
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_ASSIGN_OR_RETURN(
        const int64_t updated,
        AlreadyExistsAs(s.Execute(kUpdateWebhook, WebhookParams(hook, filters, groups)),
                        TakenMessage(hook.name)));
    if (updated > 0) return {};
    // Nothing updated: the webhook is gone, or its stack has the name.
    SH_TRY(s.RequireRow(kWebhookExists, Params::Of(hook.id), "webhook not found"));
    return Fail(Error::AlreadyExists(TakenMessage(hook.name)));
  });
}

// Jobs and delivery records go by ON DELETE CASCADE.
Result<void> SqlStore::DeleteWebhook(const std::string& webhook_id) {
  return engine_->ChangeOne(kDeleteWebhook, Params::Of(webhook_id), "webhook not found");
}

Result<WebhookRecord> SqlStore::GetWebhookById(const std::string& webhook_id) {
  return engine_->One(kSelectWebhookById, Params::Of(webhook_id), ReadWebhook, "webhook not found");
}

Result<void> SqlStore::EnqueueWebhookJob(const WebhookJobRecord& job) {
  return engine_->Write([&](Session& s) -> Result<void> {
    return s.Run(kInsertWebhookJob,
                 Params::Of(job.id, job.webhook_id, job.kind, Params::Blob{job.payload},
                            job.attempts, job.next_attempt_at, job.created));
  });
}

Result<std::vector<WebhookJobRecord>> SqlStore::ClaimWebhookJobs(int64_t now, int64_t claim_until,
                                                                 int limit) {
  if (limit <= 0) return std::vector<WebhookJobRecord>{};
  // An idle queue is the common case: look before opening a write
  // transaction (SQLite's write lock, PostgreSQL's BEGIN/COMMIT round trips).
  SH_ASSIGN_OR_RETURN(const int64_t any_due, engine_->QueryInt(kAnyWebhookJobDue, Params::Of(now)));
  if (!any_due) return std::vector<WebhookJobRecord>{};
  return engine_->Write([&](Session& s) -> Result<std::vector<WebhookJobRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, s.Query(kClaimWebhookJobs, Params::Of(now, claim_until, limit)));
    std::vector<WebhookJobRecord> jobs = rows.All(ReadJob);
    // RETURNING follows no particular order.
    std::sort(jobs.begin(), jobs.end(), [](const WebhookJobRecord& a, const WebhookJobRecord& b) {
      return std::tie(a.next_attempt_at, a.created, a.id) <
             std::tie(b.next_attempt_at, b.created, b.id);
    });
    return jobs;
  });
}

Result<void> SqlStore::FinishWebhookAttempt(const WebhookJobRecord& job, WebhookJobOutcome outcome,
                                            const WebhookDeliveryRecord& attempt, int keep) {
  return engine_->Write([&](Session& s) -> Result<void> {
    if (!attempt.id.empty()) SH_TRY(RecordDelivery(s, attempt, keep));
    if (outcome == WebhookJobOutcome::kRetry) {
      return s.Run(kRetryWebhookJob, Params::Of(job.id, job.attempts + 1, job.next_attempt_at));
    }
    return s.Run(kDeleteWebhookJob, Params::Of(job.id));
  });
}

Result<void> SqlStore::AddWebhookDelivery(const WebhookDeliveryRecord& delivery, int keep) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const bool recorded, RecordDelivery(s, delivery, keep));
    if (!recorded) return Fail(Error::NotFound("webhook not found"));
    return {};
  });
}

Result<std::vector<WebhookDeliveryRecord>> SqlStore::ListWebhookDeliveries(
    const std::string& webhook_id, int limit) {
  return engine_->All(kListWebhookDeliveries, Params::Of(webhook_id, std::max(0, limit)),
                      ReadDelivery);
}

Result<WebhookDeliveryRecord> SqlStore::GetWebhookDelivery(const std::string& webhook_id,
                                                           const std::string& delivery_id) {
  return engine_->One(kSelectWebhookDelivery, Params::Of(webhook_id, delivery_id), ReadDelivery,
                      "delivery not found");
}

Result<int64_t> SqlStore::CountWebhookJobs() { return engine_->QueryInt(kCountWebhookJobs); }

}  // namespace statehouse::storage
