#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Engine events, one row per (update, sequence), with the event object's
// bytes as the CLI sent them. `type` is the payload key; `op` is the step op
// of events counted towards resourceChanges ('' otherwise), indexed apart so
// history can count them without reading the events.
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

}  // namespace statehouse::storage::pg
