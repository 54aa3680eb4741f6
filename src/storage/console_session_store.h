#pragma once

// Web console sessions (SqlStore: console_session_store.cc). Same rules as
// store.h: atomic methods, opaque ids, Unix-second times.
//
// A session is a database row, so every replica honours it and deleting it
// (sign-out) takes effect on the next request anywhere. Only the SHA-256 of
// the cookie value is stored. A session acts through the access token it was
// signed in with: deleting or expiring that token ends the session too.

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"

namespace statehouse::storage {

struct ConsoleSessionRecord {
  std::string id;
  std::string session_hash;  // SHA-256 hex of the cookie value
  std::string token_id;      // the access token signed in with
  std::string user_id;
  int64_t created = 0;
  int64_t expires = 0;
};

// A live session with the hash of its access token, which the Authorizer
// resolves as if that token had been presented.
struct ConsoleSessionLookup {
  ConsoleSessionRecord session;
  std::string token_hash;
};

class ConsoleSessionStore {
 public:
  virtual ~ConsoleSessionStore() = default;
  // Stores a new session. kInternal when the token does not exist.
  virtual Result<void> CreateConsoleSession(const ConsoleSessionRecord& session) = 0;
  // The session whose hash is `session_hash` when it expires after `now` and
  // its token is not deleted; nullopt otherwise.
  virtual Result<std::optional<ConsoleSessionLookup>> FindConsoleSession(
      const std::string& session_hash, int64_t now) = 0;
  // Deletes the session; false when there was none.
  virtual Result<bool> DeleteConsoleSession(const std::string& session_hash) = 0;
  // Deletes the sessions that expired at or before `now`; returns how many.
  virtual Result<int64_t> DeleteExpiredConsoleSessions(int64_t now) = 0;
};

}  // namespace statehouse::storage
