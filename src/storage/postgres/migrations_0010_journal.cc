#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Journal entries of journaled updates (shared/spec/journaling.md §6.1):
// each entry's exact bytes as the CLI sent them, once per (update,
// sequenceID); the first stored copy wins.
extern const char kJournalSchemaSql[] = R"sql(
CREATE TABLE journal_entries (
  update_id ctext NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  sequence_id BIGINT NOT NULL,
  entry BYTEA NOT NULL,
  PRIMARY KEY (update_id, sequence_id)
);
SELECT sh_try_lz4('journal_entries', 'entry');
)sql";

}  // namespace statehouse::storage::pg
