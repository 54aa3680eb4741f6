#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// One secrets data key per stack, wrapped by the master key named by
// `master_key_id`. Keyed by the immutable stack id: a rename or transfer
// keeps it, deleting the stack removes it (ON DELETE CASCADE).
extern const char kSecretsSchemaSql[] = R"sql(
CREATE TABLE stack_secret_keys (
  stack_id TEXT PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  master_key_id TEXT NOT NULL,
  wrapped_key BLOB NOT NULL,
  created INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

}  // namespace statehouse::storage::sqlite
