// SecretStore: per-stack wrapped secrets data keys.

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_store.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

constexpr char kSelectStackSecretKeySql[] =
    "SELECT stack_id, master_key_id, wrapped_key, created FROM stack_secret_keys"
    " WHERE stack_id = ?1";
constexpr char kStackExistsSql[] = "SELECT 1 FROM stacks WHERE id = ?1";
constexpr char kInsertStackSecretKeySql[] =
    "INSERT INTO stack_secret_keys (stack_id, master_key_id, wrapped_key, created)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (stack_id) DO NOTHING";

Result<std::optional<StackSecretKeyRecord>> SelectKey(Connection& conn,
                                                      const std::string& stack_id) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectStackSecretKeySql));
  stmt.BindText(1, stack_id);
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<StackSecretKeyRecord>();
  return std::optional<StackSecretKeyRecord>(StackSecretKeyRecord{
      stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnBlob(2), stmt.ColumnInt(3)});
}

}  // namespace
}  // namespace sqlite

Result<std::optional<StackSecretKeyRecord>> SqliteStore::GetStackSecretKey(
    const std::string& stack_id) {
  return Query([&](Connection& conn) { return sqlite::SelectKey(conn, stack_id); });
}

Result<StackSecretKeyRecord> SqliteStore::CreateStackSecretKeyIfAbsent(
    const StackSecretKeyRecord& record) {
  return Write([&](Connection& conn) -> Result<StackSecretKeyRecord> {
    {
      SH_ASSIGN_OR_RETURN(auto exists, conn.Prepare(sqlite::kStackExistsSql));
      exists.BindText(1, record.stack_id);
      SH_ASSIGN_OR_RETURN(const bool found, exists.Step());
      if (!found) return Fail(Error::NotFound("stack not found"));
    }
    {
      SH_ASSIGN_OR_RETURN(auto insert, conn.Prepare(sqlite::kInsertStackSecretKeySql));
      insert.BindText(1, record.stack_id)
          .BindText(2, record.master_key_id)
          .BindBlob(3, record.wrapped_key)
          .BindInt(4, record.created);
      SH_TRY(insert.Run());
    }
    SH_ASSIGN_OR_RETURN(auto stored, sqlite::SelectKey(conn, record.stack_id));
    if (!stored) return Fail(Error::Internal("sqlite: stack secret key vanished after insert"));
    return std::move(*stored);
  });
}

}  // namespace statehouse::storage
