#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// Nothing: one process owns a SQLite database, and it knows its own writes
// (PostgreSQL announces changes to other replicas with triggers).
extern const char kChangeAnnouncementsSql[] = "-- nothing to announce on SQLite";

}  // namespace statehouse::storage::sqlite
