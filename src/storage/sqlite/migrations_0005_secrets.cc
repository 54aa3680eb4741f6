#include "storage/sqlite/migrations.h"

namespace statehouse::storage::sqlite {

extern const char kSecretsSchemaSql[] = R"sql(
SELECT 1;
)sql";

}  // namespace statehouse::storage::sqlite
