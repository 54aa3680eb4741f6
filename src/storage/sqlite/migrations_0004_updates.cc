#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

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
// current state back to it (trigger).
extern const char kUpdatesSchemaSql[] = R"sql(
CREATE TABLE updates (
  id TEXT PRIMARY KEY,
  stack_id TEXT NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  message TEXT NOT NULL,
  environment_json TEXT NOT NULL,
  config_json TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_by_login TEXT NOT NULL,
  requested_by_name TEXT NOT NULL,
  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 4),
  version INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  started INTEGER NOT NULL DEFAULT 0,
  ended INTEGER NOT NULL DEFAULT 0,
  lease_hash TEXT NOT NULL DEFAULT '',
  previous_lease_hash TEXT NOT NULL DEFAULT '',
  lease_expires INTEGER NOT NULL DEFAULT 0,
  last_sequence INTEGER NOT NULL DEFAULT 0,
  last_hash TEXT NOT NULL DEFAULT '',
  has_checkpoint INTEGER NOT NULL DEFAULT 0,
  resource_count INTEGER NOT NULL DEFAULT 0,
  base_size INTEGER NOT NULL DEFAULT 0,
  delta_count INTEGER NOT NULL DEFAULT 0,
  delta_bytes INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX updates_running ON updates (stack_id, status);
CREATE INDEX updates_history ON updates (stack_id, dry_run, version);

CREATE TABLE update_checkpoints (
  update_id TEXT PRIMARY KEY REFERENCES updates (id) ON DELETE CASCADE,
  base BLOB NOT NULL
) STRICT;

CREATE TABLE update_checkpoint_deltas (
  update_id TEXT NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  delta BLOB NOT NULL,
  PRIMARY KEY (update_id, ordinal)
) STRICT;

ALTER TABLE stacks ADD COLUMN state_update TEXT NOT NULL DEFAULT '';

CREATE TRIGGER stack_states_take_current_on_insert AFTER INSERT ON stack_states
BEGIN
  UPDATE stacks SET state_update = '' WHERE id = NEW.stack_id;
END;
CREATE TRIGGER stack_states_take_current_on_update AFTER UPDATE ON stack_states
BEGIN
  UPDATE stacks SET state_update = '' WHERE id = NEW.stack_id;
END;
)sql";

}  // namespace statehouse::storage::sqlite
