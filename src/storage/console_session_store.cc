// ConsoleSessionStore: web console sessions, one row each (see
// console_session_store.h). Looked up by the hash of the cookie on every
// console request, never cached, so sign-out is immediate on every replica.

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kInsertConsoleSession,
         "INSERT INTO console_sessions (id, session_hash, token_id, user_id, created, expires)"
         " VALUES ($1, $2, $3, $4, $5, $6)");
SH_QUERY(kSelectConsoleSession,
         "SELECT s.id, s.session_hash, s.token_id, s.user_id, s.created, s.expires, t.hash"
         " FROM console_sessions AS s JOIN tokens AS t ON t.id = s.token_id"
         " WHERE s.session_hash = $1 AND s.expires > $2 AND NOT t.deleted");
SH_QUERY(kDeleteConsoleSession, "DELETE FROM console_sessions WHERE session_hash = $1");
SH_QUERY(kDeleteExpiredConsoleSessions, "DELETE FROM console_sessions WHERE expires <= $1");

}  // namespace

Result<void> SqlStore::CreateConsoleSession(const ConsoleSessionRecord& session) {
  return engine_->Write([&](Session& s) -> Result<void> {
    return s.Run(kInsertConsoleSession, Params()
                                            .Text(session.id)
                                            .Text(session.session_hash)
                                            .Text(session.token_id)
                                            .Text(session.user_id)
                                            .Int(session.created)
                                            .Int(session.expires));
  });
}

Result<std::optional<ConsoleSessionLookup>> SqlStore::FindConsoleSession(
    const std::string& session_hash, int64_t now) {
  return engine_->Single([&](Session& s) -> Result<std::optional<ConsoleSessionLookup>> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        s.Query(kSelectConsoleSession, Params().Text(session_hash).Int(now)));
    if (!rows.Next()) return std::nullopt;
    return ConsoleSessionLookup{ConsoleSessionRecord{rows.Text(0), rows.Text(1), rows.Text(2),
                                                     rows.Text(3), rows.Int(4), rows.Int(5)},
                                rows.Text(6)};
  });
}

Result<bool> SqlStore::DeleteConsoleSession(const std::string& session_hash) {
  return engine_->Write([&](Session& s) -> Result<bool> {
    SH_ASSIGN_OR_RETURN(int64_t deleted, s.Execute(kDeleteConsoleSession, Params().Text(session_hash)));
    return deleted > 0;
  });
}

Result<int64_t> SqlStore::DeleteExpiredConsoleSessions(int64_t now) {
  return engine_->Write([&](Session& s) -> Result<int64_t> {
    return s.Execute(kDeleteExpiredConsoleSessions, Params().Int(now));
  });
}

}  // namespace statehouse::storage
