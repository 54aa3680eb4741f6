#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// Webhooks of an org (stack_id '') or of one stack, their queue of pending
// jobs and the record of every delivery attempt. filters and groups are JSON
// arrays of strings. A job is claimed by setting claimed_until; an expired
// claim makes it claimable again.
extern const char kWebhooksSchemaSql[] = R"sql(
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  stack_id TEXT NOT NULL,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  payload_url TEXT NOT NULL,
  active INTEGER NOT NULL,
  format TEXT NOT NULL,
  filters TEXT NOT NULL,
  groups_json TEXT NOT NULL,
  secret_ciphertext TEXT NOT NULL,
  created INTEGER NOT NULL,
  UNIQUE (org_id, stack_id, name)
) STRICT;
CREATE INDEX webhooks_by_stack ON webhooks (stack_id) WHERE stack_id != '';

-- A stack's webhooks go with it.
CREATE TRIGGER webhooks_follow_stack_delete AFTER DELETE ON stacks
BEGIN DELETE FROM webhooks WHERE stack_id = OLD.id; END;

CREATE TABLE webhook_jobs (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  payload BLOB NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  claimed_until INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_jobs_due ON webhook_jobs (next_attempt_at, created);
CREATE INDEX webhook_jobs_by_webhook ON webhook_jobs (webhook_id);

CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  job_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload BLOB NOT NULL,
  timestamp INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  request_url TEXT NOT NULL,
  request_headers TEXT NOT NULL,
  response_code INTEGER NOT NULL,
  response_headers TEXT NOT NULL,
  response_body BLOB NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, timestamp DESC, seq DESC);
)sql";

}  // namespace statehouse::storage::sqlite
