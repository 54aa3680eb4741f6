#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// The audit trail. Rows are append-only: triggers refuse UPDATE and DELETE,
// and org_id has no foreign key so the trail outlives anything it mentions.
// User fields are snapshots taken when the event happened.
extern const char kAuditSchemaSql[] = R"sql(
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  event TEXT NOT NULL,
  description TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  user_id TEXT NOT NULL,
  user_login TEXT NOT NULL,
  user_name TEXT NOT NULL,
  token_id TEXT NOT NULL,
  token_name TEXT NOT NULL,
  req_org_admin INTEGER NOT NULL,
  req_stack_admin INTEGER NOT NULL,
  auth_failure INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_events_by_time ON audit_events (org_id, time DESC, id DESC);
CREATE INDEX audit_events_by_user ON audit_events (org_id, user_id, time DESC, id DESC);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
)sql";

}  // namespace statehouse::storage::sqlite
