// SecretStore: per-stack wrapped secrets data keys.
//
// CreateStackSecretKeyIfAbsent is race-free across replicas: the insert
// key-share-locks the stack row (so a concurrent DeleteStack yields kNotFound
// rather than a foreign-key failure) and is ON CONFLICT DO NOTHING (a racing
// insert waits for the first one's outcome); the key is read back by a
// separate statement, whose fresh READ COMMITTED snapshot sees the winner's
// committed row.

#include <utility>

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kSelectStackSecretKey,
         "SELECT stack_id, master_key_id, wrapped_key, created FROM stack_secret_keys"
         " WHERE stack_id = $1");
// Inserts only when the stack exists.
SH_QUERY(kInsertStackSecretKey,
         "INSERT INTO stack_secret_keys (stack_id, master_key_id, wrapped_key, created)"
         " SELECT id, $2::text, $3::bytea, $4::bigint FROM stacks WHERE id = $1"
         " FOR KEY SHARE ON CONFLICT (stack_id) DO NOTHING");

Result<std::optional<StackSecretKeyRecord>> SelectKey(Session& s, const std::string& stack_id) {
  SH_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectStackSecretKey, Params::Of(stack_id)));
  if (!rows.Next()) return std::optional<StackSecretKeyRecord>();
  return std::optional<StackSecretKeyRecord>(
      StackSecretKeyRecord{rows.Text(0), rows.Text(1), rows.Text(2), rows.Int(3)});
}

}  // namespace

Result<std::optional<StackSecretKeyRecord>> SqlStore::GetStackSecretKey(
    const std::string& stack_id) {
  return engine_->Single([&](Session& s) { return SelectKey(s, stack_id); });
}

Result<StackSecretKeyRecord> SqlStore::CreateStackSecretKeyIfAbsent(
    const StackSecretKeyRecord& record) {
  return engine_->Write([&](Session& s) -> Result<StackSecretKeyRecord> {
    SH_ASSIGN_OR_RETURN(const int64_t inserted,
                        s.Execute(kInsertStackSecretKey,
                                  Params::Of(record.stack_id, record.master_key_id,
                                             Params::Blob{record.wrapped_key}, record.created)));
    SH_ASSIGN_OR_RETURN(auto stored, SelectKey(s, record.stack_id));
    // Nothing inserted and no key: the stack does not exist.
    if (!stored && inserted == 0) return Fail(Error::NotFound("stack not found"));
    if (!stored) return Fail(Error::Internal("stack secret key vanished after insert"));
    return std::move(*stored);
  });
}

}  // namespace statehouse::storage
