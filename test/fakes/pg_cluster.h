#pragma once

// A PostgreSQL server for tests, shared by the whole test process, and fresh
// databases on it.
//
// The server is, in order of preference:
//   1. the one named by env STATEHOUSE_TEST_PG (a libpq URL or keyword
//      string of a maintenance database, e.g.
//      postgres://postgres@127.0.0.1:5433/postgres), which must be running;
//      databases created on it are dropped when the process exits;
//   2. the one named on the first line of the file in env
//      STATEHOUSE_TEST_PG_FILE (ctest starts one cluster for the whole run
//      with scripts/test-pg-cluster and sets this);
//   3. a throwaway cluster this process starts on first use with
//      scripts/test-pg-cluster (about a second) and stops at exit; one left
//      behind by a crashed process is removed by the next start.
//
// Thread-safe.

#include <string>

#include "common/error.h"

namespace statehouse::testing {

// The maintenance-database URL of the test server, starting it if needed.
Result<std::string> TestPostgresUrl();

enum class TestDatabaseSchema { kMigrated, kEmpty };

// Creates a new database with a unique name (statehouse_t_<random>) and
// returns its URL. kMigrated copies a template database that holds the
// current schema (built once per server and schema), so opening a store on
// it applies nothing; kEmpty is an empty database.
Result<std::string> CreateTestDatabase(TestDatabaseSchema schema = TestDatabaseSchema::kMigrated);

// Drops a database this process made with CreateTestDatabase (`url` as it
// returned), disconnecting its sessions first. InvalidArgument for any other
// URL.
Result<void> DropTestDatabase(const std::string& url);

// Runs one SQL statement on `url` over a fresh connection; returns the first
// column of the first row ("" if none) or "ERROR: <message>" on failure.
std::string RunSql(const std::string& url, const std::string& sql);

// `url` (a maintenance URL or keyword string) pointing at database `name`.
std::string WithDatabase(const std::string& url, const std::string& name);

}  // namespace statehouse::testing
