// SqliteStore: the WebhookStore methods (schema: migrations_0008_webhooks.cc).
//
// Choices where WebhookStore leaves room:
//   * a stack webhook belongs to its stack wherever the stack moves: stack
//     scope lookups, name uniqueness and ListWebhooksForEvent match on
//     stack_id alone (the row's org_id stays the org it was created in);
//   * ClaimWebhookJobs orders by (next_attempt_at, created, id); a claim is
//     live while claimed_until > now;
//   * FinishWebhookAttempt and AddWebhookDelivery record nothing when the
//     webhook is gone; AddWebhookDelivery then fails with kNotFound;
//   * kRetry stores attempts = job.attempts + 1 and the job's
//     next_attempt_at as given.

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <tuple>
#include <utility>

#include "storage/sqlite/sqlite_internal.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

#define SH_SQLITE_WEBHOOK_COLUMNS                                                   \
  "id, org_id, stack_id, name, display_name, payload_url, active, format, filters," \
  " groups_json, secret_ciphertext, created"

constexpr char kInsertWebhookSql[] = "INSERT INTO webhooks (" SH_SQLITE_WEBHOOK_COLUMNS
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
// A stack scope (?2 != '') matches on the stack alone.
constexpr char kSelectWebhookSql[] =
    "SELECT " SH_SQLITE_WEBHOOK_COLUMNS
    " FROM webhooks"
    " WHERE name = ?3 AND stack_id = ?2 AND (?2 != '' OR org_id = ?1)";
constexpr char kListWebhooksSql[] =
    "SELECT " SH_SQLITE_WEBHOOK_COLUMNS
    " FROM webhooks"
    " WHERE stack_id = ?2 AND (?2 != '' OR org_id = ?1) ORDER BY name";
constexpr char kListWebhooksForEventSql[] =
    "SELECT " SH_SQLITE_WEBHOOK_COLUMNS
    " FROM webhooks"
    " WHERE active = 1 AND ((org_id = ?1 AND stack_id = '') OR (?2 != '' AND stack_id = ?2))"
    " ORDER BY stack_id, name";
constexpr char kSelectWebhookByIdSql[] =
    "SELECT " SH_SQLITE_WEBHOOK_COLUMNS " FROM webhooks WHERE id = ?1";
constexpr char kStackNameTakenSql[] =
    "SELECT 1 FROM webhooks WHERE stack_id = ?1 AND name = ?2 AND id != ?3 LIMIT 1";
constexpr char kUpdateWebhookSql[] =
    "UPDATE webhooks SET name = ?2, display_name = ?3, payload_url = ?4, active = ?5,"
    " format = ?6, filters = ?7, groups_json = ?8, secret_ciphertext = ?9 WHERE id = ?1";
constexpr char kDeleteWebhookSql[] = "DELETE FROM webhooks WHERE id = ?1";
#undef SH_SQLITE_WEBHOOK_COLUMNS

constexpr char kInsertJobSql[] =
    "INSERT INTO webhook_jobs (id, webhook_id, kind, payload, attempts, next_attempt_at,"
    " claimed_until, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)";
constexpr char kClaimJobsSql[] =
    "UPDATE webhook_jobs SET claimed_until = ?2 WHERE id IN ("
    " SELECT id FROM webhook_jobs WHERE next_attempt_at <= ?1 AND claimed_until <= ?1"
    " ORDER BY next_attempt_at, created, id LIMIT ?3)"
    " RETURNING id, webhook_id, kind, payload, attempts, next_attempt_at, created";
constexpr char kAnyJobDueSql[] =
    "SELECT 1 FROM webhook_jobs WHERE next_attempt_at <= ?1 AND claimed_until <= ?1 LIMIT 1";
constexpr char kDeleteJobSql[] = "DELETE FROM webhook_jobs WHERE id = ?1";
constexpr char kRetryJobSql[] =
    "UPDATE webhook_jobs SET attempts = ?2, next_attempt_at = ?3, claimed_until = 0"
    " WHERE id = ?1";
constexpr char kCountJobsSql[] = "SELECT COUNT(*) FROM webhook_jobs";

#define SH_SQLITE_DELIVERY_COLUMNS                                              \
  "id, webhook_id, job_id, kind, payload, timestamp, duration_ms, request_url," \
  " request_headers, response_code, response_headers, response_body"
// Inserts only while the webhook exists.
constexpr char kInsertDeliverySql[] = "INSERT INTO webhook_deliveries (" SH_SQLITE_DELIVERY_COLUMNS
                                      ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12"
                                      " WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?2)";
constexpr char kTrimDeliveriesSql[] =
    "DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND seq NOT IN ("
    " SELECT seq FROM webhook_deliveries WHERE webhook_id = ?1"
    " ORDER BY timestamp DESC, seq DESC LIMIT ?2)";
constexpr char kListDeliveriesSql[] = "SELECT " SH_SQLITE_DELIVERY_COLUMNS
                                      " FROM webhook_deliveries WHERE webhook_id = ?1"
                                      " ORDER BY timestamp DESC, seq DESC LIMIT ?2";
constexpr char kSelectDeliverySql[] = "SELECT " SH_SQLITE_DELIVERY_COLUMNS
                                      " FROM webhook_deliveries"
                                      " WHERE webhook_id = ?1 AND id = ?2";
#undef SH_SQLITE_DELIVERY_COLUMNS

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

WebhookRecord ReadWebhook(const Statement& stmt) {
  WebhookRecord hook;
  hook.id = stmt.ColumnText(0);
  hook.org_id = stmt.ColumnText(1);
  hook.stack_id = stmt.ColumnText(2);
  hook.name = stmt.ColumnText(3);
  hook.display_name = stmt.ColumnText(4);
  hook.payload_url = stmt.ColumnText(5);
  hook.active = stmt.ColumnInt(6) != 0;
  hook.format = stmt.ColumnText(7);
  hook.filters = DecodeStrings(stmt.ColumnText(8));
  hook.groups = DecodeStrings(stmt.ColumnText(9));
  hook.secret_ciphertext = stmt.ColumnText(10);
  hook.created = stmt.ColumnInt(11);
  return hook;
}

WebhookDeliveryRecord ReadDelivery(const Statement& stmt) {
  WebhookDeliveryRecord d;
  d.id = stmt.ColumnText(0);
  d.webhook_id = stmt.ColumnText(1);
  d.job_id = stmt.ColumnText(2);
  d.kind = stmt.ColumnText(3);
  d.payload = stmt.ColumnBlob(4);
  d.timestamp = stmt.ColumnInt(5);
  d.duration_ms = stmt.ColumnInt(6);
  d.request_url = stmt.ColumnText(7);
  d.request_headers = stmt.ColumnText(8);
  d.response_code = static_cast<int>(stmt.ColumnInt(9));
  d.response_headers = stmt.ColumnText(10);
  d.response_body = stmt.ColumnBlob(11);
  return d;
}

std::string TakenMessage(const std::string& name) {
  return fmt::format("webhook '{}' already exists", name);
}

// kAlreadyExists when another webhook of the stack is named `name`.
Result<void> CheckStackName(Connection& conn, const WebhookRecord& hook) {
  if (hook.stack_id.empty()) return {};
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kStackNameTakenSql));
  stmt.BindText(1, hook.stack_id).BindText(2, hook.name).BindText(3, hook.id);
  SH_ASSIGN_OR_RETURN(const bool taken, stmt.Step());
  if (taken) return Fail(Error::AlreadyExists(TakenMessage(hook.name)));
  return {};
}

Result<std::vector<WebhookRecord>> ReadWebhooks(Statement& stmt) {
  std::vector<WebhookRecord> hooks;
  for (;;) {
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return hooks;
    hooks.push_back(ReadWebhook(stmt));
  }
}

// Inserts `d` if its webhook exists; returns whether it did.
Result<bool> InsertDelivery(Connection& conn, const WebhookDeliveryRecord& d) {
  {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertDeliverySql));
    stmt.BindText(1, d.id)
        .BindText(2, d.webhook_id)
        .BindText(3, d.job_id)
        .BindText(4, d.kind)
        .BindBlob(5, d.payload)
        .BindInt(6, d.timestamp)
        .BindInt(7, d.duration_ms)
        .BindText(8, d.request_url)
        .BindText(9, d.request_headers)
        .BindInt(10, d.response_code)
        .BindText(11, d.response_headers)
        .BindBlob(12, d.response_body);
    SH_TRY(stmt.Run());
  }
  return conn.Changes() > 0;
}

Result<void> TrimDeliveries(Connection& conn, const std::string& webhook_id, int keep) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kTrimDeliveriesSql));
  stmt.BindText(1, webhook_id).BindInt(2, std::max(0, keep));
  return stmt.Run();
}

}  // namespace
}  // namespace sqlite

Result<void> SqliteStore::CreateWebhook(const WebhookRecord& hook) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(sqlite::CheckStackName(conn, hook));
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertWebhookSql));
    const std::string filters = sqlite::EncodeStrings(hook.filters);
    const std::string groups = sqlite::EncodeStrings(hook.groups);
    stmt.BindText(1, hook.id)
        .BindText(2, hook.org_id)
        .BindText(3, hook.stack_id)
        .BindText(4, hook.name)
        .BindText(5, hook.display_name)
        .BindText(6, hook.payload_url)
        .BindInt(7, hook.active ? 1 : 0)
        .BindText(8, hook.format)
        .BindText(9, filters)
        .BindText(10, groups)
        .BindText(11, hook.secret_ciphertext)
        .BindInt(12, hook.created);
    return sqlite::AlreadyExistsAs(stmt.Run(), sqlite::TakenMessage(hook.name));
  });
}

Result<WebhookRecord> SqliteStore::GetWebhook(const std::string& org_id,
                                              const std::string& stack_id,
                                              const std::string& name) {
  return Query([&](Connection& conn) -> Result<WebhookRecord> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectWebhookSql));
    stmt.BindText(1, org_id).BindText(2, stack_id).BindText(3, name);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Fail(Error::NotFound(fmt::format("webhook '{}' not found", name)));
    return sqlite::ReadWebhook(stmt);
  });
}

Result<std::vector<WebhookRecord>> SqliteStore::ListWebhooks(const std::string& org_id,
                                                             const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<std::vector<WebhookRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kListWebhooksSql));
    stmt.BindText(1, org_id).BindText(2, stack_id);
    return sqlite::ReadWebhooks(stmt);
  });
}

Result<std::vector<WebhookRecord>> SqliteStore::ListWebhooksForEvent(const std::string& org_id,
                                                                     const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<std::vector<WebhookRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kListWebhooksForEventSql));
    stmt.BindText(1, org_id).BindText(2, stack_id);
    return sqlite::ReadWebhooks(stmt);
  });
}

Result<void> SqliteStore::UpdateWebhook(const WebhookRecord& hook) {
  return Write([&](Connection& conn) -> Result<void> {
    WebhookRecord scoped;
    {
      SH_ASSIGN_OR_RETURN(auto current, conn.Prepare(sqlite::kSelectWebhookByIdSql));
      current.BindText(1, hook.id);
      SH_ASSIGN_OR_RETURN(const bool exists, current.Step());
      if (!exists) return Fail(Error::NotFound("webhook not found"));
      scoped = sqlite::ReadWebhook(current);
    }
    scoped.name = hook.name;
    SH_TRY(sqlite::CheckStackName(conn, scoped));
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kUpdateWebhookSql));
    const std::string filters = sqlite::EncodeStrings(hook.filters);
    const std::string groups = sqlite::EncodeStrings(hook.groups);
    stmt.BindText(1, hook.id)
        .BindText(2, hook.name)
        .BindText(3, hook.display_name)
        .BindText(4, hook.payload_url)
        .BindInt(5, hook.active ? 1 : 0)
        .BindText(6, hook.format)
        .BindText(7, filters)
        .BindText(8, groups)
        .BindText(9, hook.secret_ciphertext);
    return sqlite::AlreadyExistsAs(stmt.Run(), sqlite::TakenMessage(hook.name));
  });
}

Result<void> SqliteStore::DeleteWebhook(const std::string& webhook_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteWebhookSql));
    stmt.BindText(1, webhook_id);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound("webhook not found"));
    return {};
  });
}

Result<WebhookRecord> SqliteStore::GetWebhookById(const std::string& webhook_id) {
  return Query([&](Connection& conn) -> Result<WebhookRecord> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectWebhookByIdSql));
    stmt.BindText(1, webhook_id);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Fail(Error::NotFound("webhook not found"));
    return sqlite::ReadWebhook(stmt);
  });
}

Result<void> SqliteStore::EnqueueWebhookJob(const WebhookJobRecord& job) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertJobSql));
    stmt.BindText(1, job.id)
        .BindText(2, job.webhook_id)
        .BindText(3, job.kind)
        .BindBlob(4, job.payload)
        .BindInt(5, job.attempts)
        .BindInt(6, job.next_attempt_at)
        .BindInt(7, job.created);
    return stmt.Run();
  });
}

Result<std::vector<WebhookJobRecord>> SqliteStore::ClaimWebhookJobs(int64_t now,
                                                                    int64_t claim_until,
                                                                    int limit) {
  if (limit <= 0) return std::vector<WebhookJobRecord>{};
  // An idle queue is the common case: look before taking the write lock.
  SH_ASSIGN_OR_RETURN(const bool any_due, Query([&](Connection& conn) -> Result<bool> {
                        SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kAnyJobDueSql));
                        stmt.BindInt(1, now);
                        return stmt.Step();
                      }));
  if (!any_due) return std::vector<WebhookJobRecord>{};
  return Write([&](Connection& conn) -> Result<std::vector<WebhookJobRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kClaimJobsSql));
    stmt.BindInt(1, now).BindInt(2, claim_until).BindInt(3, limit);
    std::vector<WebhookJobRecord> jobs;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      WebhookJobRecord job;
      job.id = stmt.ColumnText(0);
      job.webhook_id = stmt.ColumnText(1);
      job.kind = stmt.ColumnText(2);
      job.payload = stmt.ColumnBlob(3);
      job.attempts = static_cast<int>(stmt.ColumnInt(4));
      job.next_attempt_at = stmt.ColumnInt(5);
      job.created = stmt.ColumnInt(6);
      jobs.push_back(std::move(job));
    }
    std::sort(jobs.begin(), jobs.end(), [](const WebhookJobRecord& a, const WebhookJobRecord& b) {
      return std::tie(a.next_attempt_at, a.created, a.id) <
             std::tie(b.next_attempt_at, b.created, b.id);
    });
    return jobs;
  });
}

Result<void> SqliteStore::FinishWebhookAttempt(const WebhookJobRecord& job,
                                               WebhookJobOutcome outcome,
                                               const WebhookDeliveryRecord& attempt, int keep) {
  return Write([&](Connection& conn) -> Result<void> {
    if (!attempt.id.empty()) {
      SH_ASSIGN_OR_RETURN(const bool recorded, sqlite::InsertDelivery(conn, attempt));
      if (recorded) SH_TRY(sqlite::TrimDeliveries(conn, attempt.webhook_id, keep));
    }
    if (outcome == WebhookJobOutcome::kRetry) {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kRetryJobSql));
      stmt.BindText(1, job.id).BindInt(2, job.attempts + 1).BindInt(3, job.next_attempt_at);
      return stmt.Run();
    }
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteJobSql));
    stmt.BindText(1, job.id);
    return stmt.Run();
  });
}

Result<void> SqliteStore::AddWebhookDelivery(const WebhookDeliveryRecord& delivery, int keep) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const bool recorded, sqlite::InsertDelivery(conn, delivery));
    if (!recorded) return Fail(Error::NotFound("webhook not found"));
    return sqlite::TrimDeliveries(conn, delivery.webhook_id, keep);
  });
}

Result<std::vector<WebhookDeliveryRecord>> SqliteStore::ListWebhookDeliveries(
    const std::string& webhook_id, int limit) {
  return Query([&](Connection& conn) -> Result<std::vector<WebhookDeliveryRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kListDeliveriesSql));
    stmt.BindText(1, webhook_id).BindInt(2, std::max(0, limit));
    std::vector<WebhookDeliveryRecord> deliveries;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) return deliveries;
      deliveries.push_back(sqlite::ReadDelivery(stmt));
    }
  });
}

Result<WebhookDeliveryRecord> SqliteStore::GetWebhookDelivery(const std::string& webhook_id,
                                                              const std::string& delivery_id) {
  return Query([&](Connection& conn) -> Result<WebhookDeliveryRecord> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectDeliverySql));
    stmt.BindText(1, webhook_id).BindText(2, delivery_id);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Fail(Error::NotFound("delivery not found"));
    return sqlite::ReadDelivery(stmt);
  });
}

Result<int64_t> SqliteStore::CountWebhookJobs() {
  return Query([&](Connection& conn) -> Result<int64_t> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kCountJobsSql));
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    return row ? stmt.ColumnInt(0) : 0;
  });
}

}  // namespace statehouse::storage
