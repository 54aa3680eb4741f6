#pragma once

// The PostgreSQL adapter of the engine port (storage/engine/engine.h),
// shared by several stateless server replicas (libpq).
//
// Transactions: kWrite is READ COMMITTED, retried as a whole up to a few
// times on deadlock or serialization failure (then kUnavailable); kRead is
// REPEATABLE READ, READ ONLY (one snapshot), retried on a lost connection;
// RunInTransaction runs its body once (a deadlock inside it is not retried:
// the body may have had effects outside the store). Rules that span replicas
// hold through row locks (FOR NO KEY UPDATE in the stores' queries), advisory
// transaction locks (Session::LockKey), unique keys and conditional updates,
// never in-process mutexes.
//
// Speed: every named query is a named prepared statement per connection;
// results are binary; documents travel as binary bytea (lz4 TOAST where the
// server has it); named statements always run a generic plan, planned once
// per connection (a custom plan would also copy a 25 MB parameter into the
// plan as a constant). A fixed pool of connections, sized to the worker pool, serves
// all threads; waiting longer than `timeout_ms` for a connection or a row
// lock yields kUnavailable, as does a lost connection (reconnected on its
// next use).

#include <memory>
#include <string>

#include "common/error.h"
#include "storage/engine/engine.h"

namespace statehouse::storage {

struct PostgresOptions {
  // libpq connection string: "postgres://user@host:port/db?..." or
  // "host=... dbname=...".
  std::string url;
  // Number of connections, at least 1; size it to the worker pool.
  int pool_size = 4;
  // Longest wait for a free connection or a row lock before kUnavailable;
  // also bounds connecting (at least 2 s).
  int timeout_ms = 5000;
  // Apply pending migrations on open. When false, opening fails unless the
  // database is exactly at this binary's schema version (`statehouse serve`
  // on a database that `statehouse migrate` maintains).
  bool migrate = true;
};

// Connects, applies pending migrations when `options.migrate` (else requires
// the database to be exactly at this binary's schema version) and returns the
// engine. kInternal for a schema newer (or, without migrate, older) than this
// binary; kUnavailable when the server cannot be reached.
Result<std::unique_ptr<Engine>> OpenPostgresEngine(const PostgresOptions& options);

// Applies pending migrations under an advisory lock (replicas starting
// together migrate once) and returns the resulting schema version.
Result<int> MigratePostgres(const PostgresOptions& options);

}  // namespace statehouse::storage
