#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Webhooks of an org (stack_id '') or of one stack, their queue of pending
// jobs and the record of every delivery attempt. filters and groups are JSON
// arrays of strings (text). A job is claimed by setting claimed_until; an
// expired claim makes it claimable again (claim with FOR UPDATE SKIP LOCKED).
// `seq` orders deliveries recorded in the same second.
// Names are unique per scope: an org's own webhooks by (org_id, stack_id '',
// name); a stack's by (stack_id, name) alone, since a stack webhook stays
// with its stack when the stack moves to another org.
extern const char kWebhooksSchemaSql[] = R"sql(
CREATE TABLE webhooks (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  stack_id ctext NOT NULL,
  name ctext NOT NULL,
  display_name TEXT NOT NULL,
  payload_url TEXT NOT NULL,
  active BOOLEAN NOT NULL,
  format ctext NOT NULL,
  filters TEXT NOT NULL,
  groups_json TEXT NOT NULL,
  secret_ciphertext TEXT NOT NULL,
  created BIGINT NOT NULL,
  UNIQUE (org_id, stack_id, name)
);
CREATE UNIQUE INDEX webhooks_by_stack ON webhooks (stack_id, name) WHERE stack_id <> '';

-- A stack's webhooks go with it.
CREATE FUNCTION webhooks_follow_stack_delete() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  DELETE FROM webhooks WHERE stack_id = OLD.id AND stack_id <> '';
  RETURN NULL;
END
$$;
CREATE TRIGGER webhooks_follow_stack_delete
  AFTER DELETE ON stacks
  FOR EACH ROW EXECUTE FUNCTION webhooks_follow_stack_delete();

CREATE TABLE webhook_jobs (
  id ctext PRIMARY KEY,
  webhook_id ctext NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  kind ctext NOT NULL,
  payload BYTEA NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  claimed_until BIGINT NOT NULL DEFAULT 0,
  created BIGINT NOT NULL
);
SELECT sh_try_lz4('webhook_jobs', 'payload');
CREATE INDEX webhook_jobs_due ON webhook_jobs (next_attempt_at, created, id);
CREATE INDEX webhook_jobs_by_webhook ON webhook_jobs (webhook_id);

CREATE TABLE webhook_deliveries (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id ctext NOT NULL UNIQUE,
  webhook_id ctext NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  job_id ctext NOT NULL,
  kind ctext NOT NULL,
  payload BYTEA NOT NULL,
  timestamp BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  request_url TEXT NOT NULL,
  request_headers TEXT NOT NULL,
  response_code INTEGER NOT NULL,
  response_headers TEXT NOT NULL,
  response_body BYTEA NOT NULL
);
SELECT sh_try_lz4('webhook_deliveries', 'payload');
SELECT sh_try_lz4('webhook_deliveries', 'response_body');
CREATE INDEX webhook_deliveries_by_webhook
  ON webhook_deliveries (webhook_id, timestamp DESC, seq DESC);
)sql";

}  // namespace statehouse::storage::pg
