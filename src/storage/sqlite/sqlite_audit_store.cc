// PLACEHOLDER: replaced by the audit store implementation.
#include "storage/sqlite/sqlite_internal.h"

namespace statehouse::storage {

Result<void> SqliteStore::AppendAuditEvent(const AuditEventRecord&) {
  return Fail(Error::Internal("audit store not implemented"));
}
Result<std::vector<AuditEventRecord>> SqliteStore::ListAuditEvents(const AuditQuery&) {
  return Fail(Error::Internal("audit store not implemented"));
}

}  // namespace statehouse::storage
