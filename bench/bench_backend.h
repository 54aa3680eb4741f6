#pragma once

// The storage backends the micro benchmarks run on, and a store on a fresh
// database for one benchmark run.
//
// SQLite: a new file in a new temp directory (WAL, synchronous=FULL).
// PostgreSQL: a new database created with CREATE DATABASE on the server that
// STATEHOUSE_BENCH_PG names (a postgres:// URL or libpq keyword string of a
// maintenance database such as `postgres`); bench/run-micro-bench-postgres.sh
// starts a durable cluster (fsync, synchronous_commit on) and sets it.

#include <memory>
#include <string>

#include "common/error.h"
#include "storage/store.h"

namespace statehouse::bench {

enum class Backend { kSqlite, kPostgres };

inline constexpr char kPostgresUrlEnv[] = "STATEHOUSE_BENCH_PG";

// Owns a store on a database that exists only for this object's lifetime.
// Not thread-safe itself; the store is (see storage::Store).
class BenchDatabase {
 public:
  // Opens a store with `pool_size` connections on a fresh, migrated database.
  // Fails with kUnavailable when `backend` is kPostgres and STATEHOUSE_BENCH_PG
  // is unset (the message says so, for State::SkipWithError), or when the
  // database cannot be created or opened.
  static Result<std::unique_ptr<BenchDatabase>> Open(Backend backend, int pool_size);

  // Closes the store, then removes the SQLite directory or drops the
  // PostgreSQL database (errors are ignored).
  ~BenchDatabase();
  BenchDatabase(const BenchDatabase&) = delete;
  BenchDatabase& operator=(const BenchDatabase&) = delete;

  storage::Store& store() { return *store_; }

 private:
  BenchDatabase() = default;

  storage::StorePtr store_;
  std::string sqlite_dir_;      // set for SQLite
  std::string server_url_;      // set for PostgreSQL: the maintenance database
  std::string database_name_;   // set for PostgreSQL
};

// "message: detail", for State::SkipWithError.
std::string Describe(const Error& error);

}  // namespace statehouse::bench
