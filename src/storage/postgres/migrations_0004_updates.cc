#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Updates and their checkpoints. Status: 0 not started, 1 running,
// 2 succeeded, 3 failed, 4 cancelled. Config and environment are the JSON
// texts the CLI sent.
//
// A checkpoint is a base text (update_checkpoints, written by full and
// verbatim saves and by compaction) plus an ordered log of deploymentDelta
// arrays (update_checkpoint_deltas) applied on top of it, so a small delta on
// a large state appends a small row instead of rewriting the state. The base
// lives apart from `updates` so lease and sequence bookkeeping never rewrites
// it. stacks.state_update names the update whose checkpoint is the stack's
// current deployment ('' = stack_states); writing stack_states hands the
// current state back to it (trigger). `seq` is the creation order (SQLite's
// rowid): it breaks ties between previews started in the same second.
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

}  // namespace statehouse::storage::pg
