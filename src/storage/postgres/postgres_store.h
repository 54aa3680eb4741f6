#pragma once

#include "storage/postgres/postgres_engine.h"
#include "storage/store.h"

namespace statehouse::storage {

// The store on a PostgreSQL database (see OpenPostgresEngine for the errors).
Result<StorePtr> OpenPostgresStore(const PostgresOptions& options);

}  // namespace statehouse::storage
