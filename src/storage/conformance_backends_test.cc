// The backends every storage conformance suite runs against.

#include <gtest/gtest.h>

#include "storage/conformance_fixture.h"
#include "storage/postgres/postgres_store.h"
#include "storage/sqlite/sqlite_store.h"
#include "test/fakes/pg_cluster.h"

namespace statehouse::storage {

namespace {

StoreFactory SqliteFactory() {
  return StoreFactory{"Sqlite", [](const std::string& scratch_dir) -> StorePtr {
                        SqliteOptions options;
                        options.path = scratch_dir + "/statehouse.db";
                        auto store = OpenSqliteStore(options);
                        if (!store) {
                          ADD_FAILURE() << "OpenSqliteStore: " << ErrorText(store);
                          return nullptr;
                        }
                        return std::move(*store);
                      }};
}

// A fresh database per test on the shared test server (test/fakes/pg_cluster.h).
StoreFactory PostgresFactory() {
  return StoreFactory{"Postgres", [](const std::string&) -> StorePtr {
                        auto url = testing::CreateTestDatabase();
                        if (!url) {
                          ADD_FAILURE() << "CreateTestDatabase: " << ErrorText(url);
                          return nullptr;
                        }
                        PostgresOptions options;
                        options.url = *url;
                        options.pool_size = 4;
                        auto store = OpenPostgresStore(options);
                        if (!store) {
                          ADD_FAILURE() << "OpenPostgresStore: " << ErrorText(store);
                          return nullptr;
                        }
                        return std::move(*store);
                      }};
}

}  // namespace

std::vector<StoreFactory> ConformanceBackends() { return {SqliteFactory(), PostgresFactory()}; }

}  // namespace statehouse::storage
