#include "storage/migrations.h"

namespace statehouse::storage::pg {

// The audit trail. Rows are append-only: triggers refuse UPDATE, DELETE and
// TRUNCATE, and org_id has no foreign key so the trail outlives anything it
// mentions. User fields are snapshots taken when the event happened.
extern const char kAuditSchemaSql[] = R"sql(
CREATE TABLE audit_events (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL,
  time BIGINT NOT NULL,
  event ctext NOT NULL,
  description TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  user_id ctext NOT NULL,
  user_login TEXT NOT NULL,
  user_name TEXT NOT NULL,
  token_id ctext NOT NULL,
  token_name TEXT NOT NULL,
  req_org_admin BOOLEAN NOT NULL,
  req_stack_admin BOOLEAN NOT NULL,
  auth_failure BOOLEAN NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (org_id, time DESC, id DESC);
CREATE INDEX audit_events_by_user ON audit_events (org_id, user_id, time DESC, id DESC);

CREATE FUNCTION audit_events_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END
$$;
CREATE TRIGGER audit_events_no_change
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
)sql";

}  // namespace statehouse::storage::pg
