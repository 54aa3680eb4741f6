#pragma once

// Numbered schema migrations of the SQLite backend.
//
// A migration is applied at most once per database, in ascending version
// order, each inside its own write transaction together with its row in
// `schema_migrations`. Released migrations are immutable: schema changes are
// made by appending a new migration, never by editing an old one.

#include <span>

namespace statehouse::storage::sqlite {

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

// Creates the bookkeeping table itself. Idempotent; run before reading the
// recorded version.
inline constexpr char kCreateSchemaMigrationsSql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL"
    ") STRICT";

// Every known migration, ordered by version. The storage is static.
std::span<const Migration> AllMigrations();

// The version of the newest known migration.
int LatestSchemaVersion();

}  // namespace statehouse::storage::sqlite
