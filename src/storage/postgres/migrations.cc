// The PostgreSQL scripts of the migrations (storage/migrations.h), in version
// order. Each creates the tables of the SQLite script of the same number
// (sqlite/migrations.cc, whose comments describe them) in PostgreSQL's DDL;
// the comments here say only what differs.

#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Migration 1 (initial_schema).
// Helpers every later migration may use (ctext, sh_fold, sh_try_lz4), then
// users, orgs, memberships, tokens, stacks, tags and stack states.
extern const char kInitialSchemaSql[] = R"sql(
CREATE DOMAIN ctext AS text COLLATE "C";

CREATE FUNCTION sh_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower(t COLLATE "C") $$;

CREATE FUNCTION sh_try_lz4(tbl text, col text) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET COMPRESSION lz4', tbl, col);
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
  NULL;
END
$$;

CREATE TABLE users (
  id ctext PRIMARY KEY,
  login ctext NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  site_admin BOOLEAN NOT NULL DEFAULT FALSE,
  created BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_by_login ON users (sh_fold(login));

CREATE TABLE orgs (
  id ctext PRIMARY KEY,
  name ctext NOT NULL,
  created BIGINT NOT NULL,
  default_stack_permission INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX orgs_by_name ON orgs (sh_fold(name));

CREATE TABLE memberships (
  org_id ctext NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role INTEGER NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE tokens (
  id ctext PRIMARY KEY,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  hash ctext NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created BIGINT NOT NULL,
  last_used BIGINT NOT NULL DEFAULT 0,
  expires BIGINT NOT NULL DEFAULT 0,
  deleted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tokens_by_user ON tokens (user_id, deleted, created, id);

CREATE TABLE stacks (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL REFERENCES orgs (id),
  project ctext NOT NULL,
  name ctext NOT NULL,
  created_by ctext NOT NULL,
  created BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 0,
  resource_count BIGINT NOT NULL DEFAULT 0,
  last_update BIGINT NOT NULL DEFAULT 0,
  active_update ctext NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX stacks_by_name ON stacks (org_id, sh_fold(project), sh_fold(name));

CREATE TABLE stack_tags (
  stack_id ctext NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  name ctext NOT NULL,
  value ctext NOT NULL,
  PRIMARY KEY (stack_id, name)
);
CREATE INDEX stack_tags_by_name_value ON stack_tags (name, value);

CREATE TABLE stack_states (
  stack_id ctext PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  deployment BYTEA NOT NULL
);
SELECT sh_try_lz4('stack_states', 'deployment');
)sql";

// Migration 2 (teams).
extern const char kTeamsSchemaSql[] = R"sql(
CREATE TABLE teams (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name ctext NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_by_name ON teams (org_id, sh_fold(name));

CREATE TABLE team_members (
  team_id ctext NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role INTEGER NOT NULL CHECK (role IN (1, 2)),
  created BIGINT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);

CREATE TABLE team_stack_grants (
  team_id ctext NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  stack_id ctext NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  permission INTEGER NOT NULL CHECK (permission IN (101, 102, 103)),
  PRIMARY KEY (team_id, stack_id)
);
CREATE INDEX team_stack_grants_by_stack ON team_stack_grants (stack_id);

CREATE FUNCTION team_stack_grants_drop_on_transfer() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  DELETE FROM team_stack_grants WHERE stack_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER team_stack_grants_drop_on_transfer
  AFTER UPDATE OF org_id ON stacks
  FOR EACH ROW WHEN (NEW.org_id IS DISTINCT FROM OLD.org_id)
  EXECUTE FUNCTION team_stack_grants_drop_on_transfer();
)sql";

// Migration 3 (services).
extern const char kServicesSchemaSql[] = R"sql(
CREATE TABLE services (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  owner_type ctext NOT NULL,
  owner_name ctext NOT NULL,
  name ctext NOT NULL,
  description TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE UNIQUE INDEX services_by_name
  ON services (org_id, owner_type, sh_fold(owner_name), sh_fold(name));
CREATE INDEX services_by_org_order
  ON services (org_id, sh_fold(name), owner_type, sh_fold(owner_name));

CREATE TABLE service_properties (
  service_id ctext NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  type TEXT NOT NULL,
  sort_order BIGINT NOT NULL,
  PRIMARY KEY (service_id, position)
);

CREATE TABLE service_items (
  service_id ctext NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  type ctext NOT NULL,
  item_key ctext NOT NULL,
  stack_id ctext REFERENCES stacks (id) ON DELETE CASCADE,
  added_by TEXT NOT NULL,
  added BIGINT NOT NULL
);
CREATE UNIQUE INDEX service_items_by_key ON service_items (service_id, type, sh_fold(item_key));
CREATE INDEX service_items_by_stack ON service_items (stack_id);
)sql";

// Migration 4 (updates).
// `seq` is the creation order (SQLite's rowid): it breaks ties between
// previews started in the same second.
extern const char kUpdatesSchemaSql[] = R"sql(
CREATE TABLE updates (
  id ctext PRIMARY KEY,
  stack_id ctext NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  kind ctext NOT NULL,
  dry_run BOOLEAN NOT NULL,
  message TEXT NOT NULL,
  environment_json TEXT NOT NULL,
  config_json TEXT NOT NULL,
  requested_by ctext NOT NULL,
  requested_by_login TEXT NOT NULL,
  requested_by_name TEXT NOT NULL,
  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),
  version BIGINT NOT NULL DEFAULT 0,
  created BIGINT NOT NULL,
  started BIGINT NOT NULL DEFAULT 0,
  ended BIGINT NOT NULL DEFAULT 0,
  lease_hash ctext NOT NULL DEFAULT '',
  previous_lease_hash ctext NOT NULL DEFAULT '',
  lease_expires BIGINT NOT NULL DEFAULT 0,
  last_sequence BIGINT NOT NULL DEFAULT 0,
  last_hash ctext NOT NULL DEFAULT '',
  has_checkpoint BOOLEAN NOT NULL DEFAULT FALSE,
  resource_count BIGINT NOT NULL DEFAULT 0,
  base_size BIGINT NOT NULL DEFAULT 0,
  delta_count BIGINT NOT NULL DEFAULT 0,
  delta_bytes BIGINT NOT NULL DEFAULT 0,
  seq BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX updates_running ON updates (stack_id, status);
CREATE INDEX updates_history ON updates (stack_id, dry_run, version);

CREATE TABLE update_checkpoints (
  update_id ctext PRIMARY KEY REFERENCES updates (id) ON DELETE CASCADE,
  base BYTEA NOT NULL
);
SELECT sh_try_lz4('update_checkpoints', 'base');

CREATE TABLE update_checkpoint_deltas (
  update_id ctext NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  ordinal BIGINT NOT NULL,
  delta BYTEA NOT NULL,
  PRIMARY KEY (update_id, ordinal)
);
SELECT sh_try_lz4('update_checkpoint_deltas', 'delta');

ALTER TABLE stacks ADD COLUMN state_update ctext NOT NULL DEFAULT '';

CREATE FUNCTION stack_states_take_current() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE stacks SET state_update = '' WHERE id = NEW.stack_id AND state_update <> '';
  RETURN NULL;
END
$$;
CREATE TRIGGER stack_states_take_current
  AFTER INSERT OR UPDATE ON stack_states
  FOR EACH ROW EXECUTE FUNCTION stack_states_take_current();
)sql";

// Migration 5 (secrets).
extern const char kSecretsSchemaSql[] = R"sql(
CREATE TABLE stack_secret_keys (
  stack_id ctext PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  master_key_id ctext NOT NULL,
  wrapped_key BYTEA NOT NULL,
  created BIGINT NOT NULL
);
)sql";

// Migration 6 (engine_events).
extern const char kEngineEventsSchemaSql[] = R"sql(
CREATE TABLE engine_events (
  update_id ctext NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  sequence BIGINT NOT NULL,
  timestamp BIGINT NOT NULL,
  type ctext NOT NULL,
  op ctext NOT NULL,
  json BYTEA NOT NULL,
  PRIMARY KEY (update_id, sequence)
);
SELECT sh_try_lz4('engine_events', 'json');
CREATE INDEX engine_events_ops ON engine_events (update_id, op) WHERE op <> '';
CREATE INDEX engine_events_summaries ON engine_events (update_id, sequence)
  WHERE type = 'summaryEvent';
)sql";

// Migration 7 (audit).
// Triggers also refuse TRUNCATE.
extern const char kAuditSchemaSql[] = R"sql(
CREATE TABLE audit_events (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL,
  time BIGINT NOT NULL,
  event ctext NOT NULL,
  description TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  user_id ctext NOT NULL,
  user_login TEXT NOT NULL,
  user_name TEXT NOT NULL,
  token_id ctext NOT NULL,
  token_name TEXT NOT NULL,
  req_org_admin BOOLEAN NOT NULL,
  req_stack_admin BOOLEAN NOT NULL,
  auth_failure BOOLEAN NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (org_id, time DESC, id DESC);
CREATE INDEX audit_events_by_user ON audit_events (org_id, user_id, time DESC, id DESC);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END
$$;
CREATE TRIGGER audit_events_no_change
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
)sql";

// Migration 8 (webhooks).
// Jobs are claimed with FOR UPDATE SKIP LOCKED. `seq` orders deliveries
// recorded in the same second.
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

// Migration 9 (change_announcements).
// Announces, after commit, every change to what the authorizer reads, so
// that each server process can drop its cached access reads (see
// postgres/pg_change_feed.h). Statement triggers: one announcement per
// statement, and PostgreSQL folds identical ones within a transaction.
// The checkpoint columns of `stacks` (state_update, resource_count) and of
// `updates` are left out on purpose: checkpoints stay free of NOTIFY, whose
// commit-time lock would serialize them.
extern const char kChangeAnnouncementsSql[] = R"sql(
CREATE FUNCTION sh_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('statehouse_changes', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER tokens_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tokens
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER users_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER orgs_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER memberships_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER stack_tags_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stack_tags
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER teams_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER team_members_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_members
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER team_stack_grants_announce
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_stack_grants
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER stacks_announce
  AFTER INSERT OR DELETE OR TRUNCATE
     OR UPDATE OF id, org_id, project, name, created_by, created, version, last_update,
                  active_update
  ON stacks FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER updates_announce
  AFTER INSERT OR DELETE OR TRUNCATE
     OR UPDATE OF id, stack_id, kind, dry_run, status, lease_expires, started,
                  requested_by_login
  ON updates FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
)sql";

// Migration 10 (journal).
extern const char kJournalSchemaSql[] = R"sql(
CREATE TABLE journal_entries (
  update_id ctext NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  sequence_id BIGINT NOT NULL,
  entry BYTEA NOT NULL,
  PRIMARY KEY (update_id, sequence_id)
);
SELECT sh_try_lz4('journal_entries', 'entry');
)sql";

// Migration 11 (console_sessions).
// Web console sessions (console_session_store.h).
extern const char kConsoleSessionsSql[] = R"sql(
CREATE TABLE console_sessions (
  id ctext PRIMARY KEY,
  session_hash ctext NOT NULL UNIQUE,
  token_id ctext NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires);
CREATE INDEX console_sessions_by_token ON console_sessions (token_id);
)sql";

}  // namespace statehouse::storage::pg
