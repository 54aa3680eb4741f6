#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Web console sessions (console_session_store.h).
extern const char kConsoleSessionsSql[] = R"sql(
CREATE TABLE console_sessions (
  id ctext PRIMARY KEY,
  session_hash ctext NOT NULL UNIQUE,
  token_id ctext NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires);
CREATE INDEX console_sessions_by_token ON console_sessions (token_id);
)sql";

}  // namespace statehouse::storage::pg
