// SecretStore: per-stack wrapped secrets data keys.
//
// CreateStackSecretKeyIfAbsent is race-free across replicas: the insert is
// ON CONFLICT DO NOTHING (a racing insert waits for the first one's outcome),
// and the key is read back by a separate statement, whose fresh READ
// COMMITTED snapshot sees the winner's committed row. The stack row is
// key-share-locked first, so a concurrent DeleteStack yields kNotFound rather
// than a foreign-key failure.

#include <utility>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {
namespace {

constexpr char kSelectStackSecretKeySql[] =
    "SELECT stack_id, master_key_id, wrapped_key, created FROM stack_secret_keys"
    " WHERE stack_id = $1";
constexpr char kLockStackKeySharedSql[] = "SELECT 1 FROM stacks WHERE id = $1 FOR KEY SHARE";
constexpr char kInsertStackSecretKeySql[] =
    "INSERT INTO stack_secret_keys (stack_id, master_key_id, wrapped_key, created)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (stack_id) DO NOTHING";

Result<std::optional<StackSecretKeyRecord>> SelectKey(Connection& conn,
                                                      const std::string& stack_id) {
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectStackSecretKeySql, Params().Text(stack_id)));
  if (!rows.Next()) return std::optional<StackSecretKeyRecord>();
  return std::optional<StackSecretKeyRecord>(
      StackSecretKeyRecord{rows.Text(0), rows.Text(1), rows.Bytes(2), rows.Int(3)});
}

}  // namespace
}  // namespace pg

Result<std::optional<StackSecretKeyRecord>> PostgresStore::GetStackSecretKey(
    const std::string& stack_id) {
  return Query([&](Connection& conn) { return pg::SelectKey(conn, stack_id); });
}

Result<StackSecretKeyRecord> PostgresStore::CreateStackSecretKeyIfAbsent(
    const StackSecretKeyRecord& record) {
  return Write([&](Connection& conn) -> Result<StackSecretKeyRecord> {
    {
      SH_ASSIGN_OR_RETURN(auto locked,
                          conn.Exec(pg::kLockStackKeySharedSql, Params().Text(record.stack_id)));
      if (!locked.Next()) return Fail(Error::NotFound("stack not found"));
    }
    SH_TRY(conn.Run(pg::kInsertStackSecretKeySql, Params()
                                                      .Text(record.stack_id)
                                                      .Text(record.master_key_id)
                                                      .Bytes(record.wrapped_key)
                                                      .Int(record.created)));
    SH_ASSIGN_OR_RETURN(auto stored, pg::SelectKey(conn, record.stack_id));
    if (!stored) return Fail(Error::Internal("postgres: stack secret key vanished after insert"));
    return std::move(*stored);
  });
}

}  // namespace statehouse::storage
