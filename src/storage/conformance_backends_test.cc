// The backends every storage conformance suite runs against.

#include <gtest/gtest.h>

#include "storage/conformance_fixture.h"
#include "storage/sqlite/sqlite_store.h"

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

}  // namespace

std::vector<StoreFactory> ConformanceBackends() { return {SqliteFactory()}; }

}  // namespace statehouse::storage
