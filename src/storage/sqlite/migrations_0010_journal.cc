#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// Journal entries of journaled updates (shared/spec/journaling.md §6.1):
// each entry's exact bytes as the CLI sent them, once per (update,
// sequenceID); the first stored copy wins.
extern const char kJournalSchemaSql[] = R"sql(
CREATE TABLE journal_entries (
  update_id TEXT NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  sequence_id INTEGER NOT NULL,
  entry BLOB NOT NULL,
  PRIMARY KEY (update_id, sequence_id)
) STRICT;
)sql";

}  // namespace statehouse::storage::sqlite
