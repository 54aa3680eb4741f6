#pragma once

#include "storage/sqlite/sqlite_engine.h"
#include "storage/store.h"

namespace statehouse::storage {

// The store on an SQLite database (see OpenSqliteEngine for the errors).
Result<StorePtr> OpenSqliteStore(const SqliteOptions& options);

}  // namespace statehouse::storage
