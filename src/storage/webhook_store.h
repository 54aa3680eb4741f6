#pragma once

// Webhooks, their delivery queue and delivery records (SqlStore:
// webhook_store.cc). Same rules as store.h.
//
// A stack webhook follows its stack through rename and transfer: stack-scope
// lookups, name uniqueness and event matching use stack_id alone.
//
// Queue: a job is one event to post to one webhook. Jobs are enqueued in the
// transaction of the change that caused them (Store::RunInTransaction), so a
// crash loses none. Workers claim due jobs for a lease; a job claimed by one
// worker (in any process sharing the database) is invisible to the others
// until its claim lapses, so every job is posted by one worker at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

struct WebhookRecord {
  std::string id;
  std::string org_id;
  std::string stack_id;  // "" for an organization webhook
  std::string name;      // unique within its scope (org, or stack), case-sensitive
  std::string display_name;
  std::string payload_url;
  bool active = true;
  std::string format = "raw";        // raw | slack | ms_teams
  std::vector<std::string> filters;  // event filter names; empty = all
  std::vector<std::string> groups;   // stacks | deployments | environments
  // The HMAC secret sealed with the master key; "" when the hook has none.
  std::string secret_ciphertext;
  int64_t created = 0;
};

// A queued event for one webhook.
struct WebhookJobRecord {
  std::string id;
  std::string webhook_id;
  std::string kind;     // Pulumi-Webhook-Kind, e.g. "stack_update"
  std::string payload;  // the exact request body
  int attempts = 0;     // attempts made so far
  int64_t next_attempt_at = 0;  // Unix seconds
  int64_t created = 0;
};

// One attempt to post a payload (also pings and redeliveries).
struct WebhookDeliveryRecord {
  std::string id;  // = the Pulumi-Webhook-ID header sent
  std::string webhook_id;
  std::string job_id;  // "" for pings and redeliveries
  std::string kind;
  std::string payload;
  int64_t timestamp = 0;    // Unix seconds when sent
  int64_t duration_ms = 0;  // request duration
  std::string request_url;
  std::string request_headers;  // "Name: value\r\n" lines
  int response_code = 0;        // 0 when no response arrived
  std::string response_headers;
  std::string response_body;
};

// What happens to a job after an attempt.
enum class WebhookJobOutcome {
  kDone,    // delivered: remove from the queue
  kRetry,   // failed, try again at next_attempt_at
  kGiveUp,  // failed for the last time: remove from the queue
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // kAlreadyExists if the scope already has a webhook with this name.
  virtual Result<void> CreateWebhook(const WebhookRecord& hook) = 0;
  // The webhook named `name` in the org (stack_id "") or stack scope.
  // kNotFound if absent.
  virtual Result<WebhookRecord> GetWebhook(const std::string& org_id, const std::string& stack_id,
                                           const std::string& name) = 0;
  // Webhooks of one scope ordered by name.
  virtual Result<std::vector<WebhookRecord>> ListWebhooks(const std::string& org_id,
                                                          const std::string& stack_id) = 0;
  // Active webhooks an event of `stack_id` in the org may go to: the org's
  // webhooks plus, when stack_id is not "", that stack's.
  virtual Result<std::vector<WebhookRecord>> ListWebhooksForEvent(const std::string& org_id,
                                                                  const std::string& stack_id) = 0;
  // Replaces every field but id, org_id, stack_id and created. kNotFound if
  // absent; kAlreadyExists if renamed onto a taken name.
  virtual Result<void> UpdateWebhook(const WebhookRecord& hook) = 0;
  // Removes the webhook with its queued jobs and delivery records.
  // kNotFound if absent.
  virtual Result<void> DeleteWebhook(const std::string& webhook_id) = 0;
  // Webhook by id regardless of scope. kNotFound if absent.
  virtual Result<WebhookRecord> GetWebhookById(const std::string& webhook_id) = 0;

  virtual Result<void> EnqueueWebhookJob(const WebhookJobRecord& job) = 0;
  // Claims up to `limit` jobs with next_attempt_at <= now that no live claim
  // holds, oldest first, until `claim_until`, and returns them.
  virtual Result<std::vector<WebhookJobRecord>> ClaimWebhookJobs(int64_t now, int64_t claim_until,
                                                                 int limit) = 0;
  // Records `attempt` and settles its job in one transaction: kDone and
  // kGiveUp remove the job; kRetry stores attempts = job.attempts + 1 and
  // job.next_attempt_at and releases the claim. Keeps only the newest `keep`
  // delivery records of the webhook. Once the webhook is gone (deleted), it
  // records nothing and succeeds.
  virtual Result<void> FinishWebhookAttempt(const WebhookJobRecord& job,
                                            WebhookJobOutcome outcome,
                                            const WebhookDeliveryRecord& attempt, int keep) = 0;
  // Records a delivery made outside the queue (ping, redeliver), keeping the
  // newest `keep` of the webhook. kNotFound once the webhook is gone.
  virtual Result<void> AddWebhookDelivery(const WebhookDeliveryRecord& delivery, int keep) = 0;
  // The webhook's delivery records, newest first (timestamp desc, then
  // insertion order desc), at most `limit`.
  virtual Result<std::vector<WebhookDeliveryRecord>> ListWebhookDeliveries(
      const std::string& webhook_id, int limit) = 0;
  // kNotFound if the webhook has no delivery with this id.
  virtual Result<WebhookDeliveryRecord> GetWebhookDelivery(const std::string& webhook_id,
                                                           const std::string& delivery_id) = 0;
  // Jobs still queued (claimed or not), for tests and metrics.
  virtual Result<int64_t> CountWebhookJobs() = 0;
};

}  // namespace statehouse::storage
