#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// Engine events, one row per (update, sequence), with the event object's
// bytes as the CLI sent them. `type` is the payload key; `op` is the step op
// of events counted towards resourceChanges ('' otherwise), indexed apart so
// history can count them without reading the events.
extern const char kEngineEventsSchemaSql[] = R"sql(
CREATE TABLE engine_events (
  update_id TEXT NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  sequence INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  type TEXT NOT NULL,
  op TEXT NOT NULL,
  json BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX engine_events_by_sequence ON engine_events (update_id, sequence);
CREATE INDEX engine_events_ops ON engine_events (update_id, op) WHERE op != '';
CREATE INDEX engine_events_summaries ON engine_events (update_id, sequence)
  WHERE type = 'summaryEvent';
)sql";

}  // namespace statehouse::storage::sqlite
