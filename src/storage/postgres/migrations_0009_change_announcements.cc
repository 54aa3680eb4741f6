#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Announces, after commit, every change to what the authorizer reads, so
// that each server process can drop its cached access reads (see
// postgres/pg_change_feed.h). Statement triggers: one announcement per
// statement, and PostgreSQL folds identical ones within a transaction.
// The checkpoint columns of `stacks` (state_update, resource_count) and of
// `updates` are left out on purpose: checkpoints stay free of NOTIFY, whose
// commit-time lock would serialize them.
extern const char kChangeAnnouncementsSql[] = R"sql(
CREATE FUNCTION sh_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('statehouse_changes', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER tokens_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tokens
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER users_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER orgs_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER memberships_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER stack_tags_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stack_tags
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER teams_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER team_members_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_members
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER team_stack_grants_announce
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_stack_grants
  FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER stacks_announce
  AFTER INSERT OR DELETE OR TRUNCATE
     OR UPDATE OF id, org_id, project, name, created_by, created, version, last_update,
                  active_update
  ON stacks FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
CREATE TRIGGER updates_announce
  AFTER INSERT OR DELETE OR TRUNCATE
     OR UPDATE OF id, stack_id, kind, dry_run, status, lease_expires, started,
                  requested_by_login
  ON updates FOR EACH STATEMENT EXECUTE FUNCTION sh_announce_change();
)sql";

}  // namespace statehouse::storage::pg
