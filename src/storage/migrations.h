#pragma once

// The schema migrations, numbered together for both engines: migration N
// creates the same tables on SQLite and on PostgreSQL, each in its own DDL
// (sqlite/migrations.cc, postgres/migrations.cc).
//
// A migration is applied at most once per database, in ascending version
// order, each inside its own transaction together with its row in
// `schema_migrations` (PostgreSQL: while the migrating process holds a
// session advisory lock, so replicas starting together apply each migration
// once). Released migrations are immutable: schema changes are made by
// appending a new migration, never by editing an old one.
//
// SQLite schema: names users type are COLLATE NOCASE; documents are BLOBs;
// tables are STRICT. PostgreSQL schema: identifiers and names are `ctext`
// (text with the "C" collation, so ordering is by bytes whatever the
// database locale); case-insensitive names are compared and uniquely indexed
// through sh_fold(text) (ASCII-only folding, as SQLite NOCASE); flags are
// BOOLEAN; documents are BYTEA, lz4-compressed when the server supports it
// (sh_try_lz4), never jsonb. Both: times are integer Unix seconds.

#include <cstdint>
#include <span>
#include <string>

#include "common/error.h"

namespace statehouse::storage {

struct Migration {
  int version;           // strictly increasing, starting at 1, without gaps
  const char* name;      // short identifier recorded in schema_migrations
  const char* sqlite;    // SQLite script: one or more statements
  const char* postgres;  // PostgreSQL script: one or more statements
};

// Every migration, ordered by version. The storage is static.
std::span<const Migration> AllMigrations();

// The version of the newest migration.
int LatestSchemaVersion();

// The version recorded in `schema_migrations` (same text on both engines).
inline constexpr char kSelectSchemaVersionSql[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

// kInternal: the schema `version` of `database` is newer than this binary
// supports, or (not `newer`) older than it needs.
Error SchemaVersionError(int64_t version, bool newer, std::string database);

}  // namespace statehouse::storage
