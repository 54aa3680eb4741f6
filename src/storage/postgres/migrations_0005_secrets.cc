#include "storage/migrations.h"

namespace statehouse::storage::pg {

// One secrets data key per stack, wrapped by the master key named by
// `master_key_id`. Keyed by the immutable stack id: a rename or transfer
// keeps it, deleting the stack removes it (ON DELETE CASCADE).
extern const char kSecretsSchemaSql[] = R"sql(
CREATE TABLE stack_secret_keys (
  stack_id ctext PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  master_key_id ctext NOT NULL,
  wrapped_key BYTEA NOT NULL,
  created BIGINT NOT NULL
);
)sql";

}  // namespace statehouse::storage::pg
