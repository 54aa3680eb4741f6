#pragma once

// The SQLite adapter of the engine port (storage/engine/engine.h): embedded,
// single node.
//
// Durability: WAL with synchronous=FULL; a write transaction (BEGIN
// IMMEDIATE) returns only once its commit is on disk. Concurrency: a fixed
// pool of connections; readers run in parallel, writers take the pool's
// single write slot, so in-process writers queue there instead of polling
// SQLite's write lock, and the busy timeout only matters against other
// processes. Waiting longer than `busy_timeout_ms` for a connection, the write
// slot or SQLite's locks yields kUnavailable. Stats().waits counts waits for
// a connection or the write slot. Each connection caches its prepared
// statements, keyed by query.

#include <cstdint>
#include <memory>
#include <string>

#include "common/error.h"
#include "storage/engine/engine.h"

namespace statehouse::storage {

struct SqliteOptions {
  // Database file. Its directory must exist; the file is created if missing.
  std::string path;
  // Number of connections, at least 1.
  int pool_size = 4;
  // Longest wait for a connection or a lock before kUnavailable.
  int busy_timeout_ms = 5000;
  // For tests only: caps the file at this many pages (PRAGMA max_page_count
  // on every connection) to stand in for a full disk; 0 = no cap.
  int64_t max_page_count = 0;
};

// Opens (creating if needed) the database at `options.path`, configures every
// connection and applies pending schema migrations. Fails with kInternal when
// the file cannot be opened, is not a usable SQLite database, or records a
// schema version newer than this binary knows; kUnavailable when it stays
// locked by another process beyond the busy timeout; kInvalidArgument for bad
// options.
Result<std::unique_ptr<Engine>> OpenSqliteEngine(const SqliteOptions& options);

}  // namespace statehouse::storage
