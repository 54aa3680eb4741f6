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
  return engine_->Write([&](Session& s) {
    return s.Run(kInsertConsoleSession,
                 Params::Of(session.id, session.session_hash, session.token_id, session.user_id,
                            session.created, session.expires));
  });
}

Result<std::optional<ConsoleSessionLookup>> SqlStore::FindConsoleSession(
    const std::string& session_hash, int64_t now) {
  SH_ASSIGN_OR_RETURN(auto found, engine_->All(kSelectConsoleSession, Params::Of(session_hash, now),
                                               [](const Rows& r) {
                                                 return ConsoleSessionLookup{
                                                     ConsoleSessionRecord{r.Text(0), r.Text(1),
                                                                          r.Text(2), r.Text(3),
                                                                          r.Int(4), r.Int(5)},
                                                     r.Text(6)};
                                               }));
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

Result<bool> SqlStore::DeleteConsoleSession(const std::string& session_hash) {
  SH_ASSIGN_OR_RETURN(auto deleted, engine_->Write([&](Session& s) {
    return s.Execute(kDeleteConsoleSession, Params::Of(session_hash));
  }));
  return deleted > 0;
}

Result<int64_t> SqlStore::DeleteExpiredConsoleSessions(int64_t now) {
  return engine_->Write(
      [&](Session& s) { return s.Execute(kDeleteExpiredConsoleSessions, Params::Of(now)); });
}

}  // namespace statehouse::storage
