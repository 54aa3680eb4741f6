#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// Web console sessions (console_session_store.h).
extern const char kConsoleSessionsSql[] = R"sql(
CREATE TABLE console_sessions (
  id TEXT PRIMARY KEY,
  session_hash TEXT NOT NULL UNIQUE,
  token_id TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires);
CREATE INDEX console_sessions_by_token ON console_sessions (token_id);
)sql";

}  // namespace statehouse::storage::sqlite
