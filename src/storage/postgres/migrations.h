#pragma once

// Numbered schema migrations of the PostgreSQL backend (independent of the
// SQLite ones, though they mirror them table for table).
//
// A migration is applied at most once per database, in ascending version
// order, each inside its own transaction together with its row in
// `schema_migrations`, while the migrating process holds a session advisory
// lock (kMigrationLockKey) so replicas starting together apply each
// migration once. Released migrations are immutable: schema changes are made
// by appending a new migration, never by editing an old one.
//
// Conventions of the schema: identifiers and names are `ctext` (text with the
// "C" collation, so ordering is by bytes whatever the database locale);
// case-insensitive names are compared and uniquely indexed through
// sh_fold(text) (ASCII-only folding, as SQLite NOCASE); times are BIGINT Unix
// seconds; flags are BOOLEAN; documents (deployments, deltas, engine events,
// webhook payloads) are BYTEA, lz4-compressed when the server supports it
// (sh_try_lz4), never jsonb.

#include <cstdint>
#include <span>

namespace statehouse::storage::pg {

struct Migration {
  int version;       // strictly increasing, starting at 1, without gaps
  const char* name;  // short identifier recorded in schema_migrations
  const char* sql;   // one or more statements run as a single script
};

// Schema scripts of later migrations, one file each (migrations_NNNN_*.cc).
extern const char kTeamsSchemaSql[];
extern const char kServicesSchemaSql[];
extern const char kUpdatesSchemaSql[];
extern const char kSecretsSchemaSql[];
extern const char kEngineEventsSchemaSql[];
extern const char kAuditSchemaSql[];
extern const char kWebhooksSchemaSql[];

// Key of the session advisory lock held while migrating.
inline constexpr int64_t kMigrationLockKey = 0x5354415445484f55;  // "STATEHOU"

// Creates the bookkeeping table itself. Idempotent; run (under the lock)
// before reading the recorded version.
inline constexpr char kCreateSchemaMigrationsSql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

// Every known migration, ordered by version. The storage is static.
std::span<const Migration> AllMigrations();

// The version of the newest known migration.
int LatestSchemaVersion();

}  // namespace statehouse::storage::pg
