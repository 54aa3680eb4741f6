#include "storage/sql_store.h"

#include "storage/postgres/postgres_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace statehouse::storage {

Result<StorePtr> OpenSqliteStore(const SqliteOptions& options) {
  SH_ASSIGN_OR_RETURN(auto engine, OpenSqliteEngine(options));
  return std::make_unique<SqlStore>(std::move(engine));
}

Result<StorePtr> OpenPostgresStore(const PostgresOptions& options) {
  SH_ASSIGN_OR_RETURN(auto engine, OpenPostgresEngine(options));
  return std::make_unique<SqlStore>(std::move(engine));
}

}  // namespace statehouse::storage
