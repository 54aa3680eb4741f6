#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Teams belong to one org; team names are unique per org ignoring case.
// Team membership and grants go away with the team, the user or the stack
// (ON DELETE CASCADE). A grant only means something while its stack is in the
// team's org, so moving a stack to another org drops its grants in the same
// transaction (trigger). Team roles: 1 member, 2 admin; grants: 101 read,
// 102 write, 103 admin.
extern const char kTeamsSchemaSql[] = R"sql(
CREATE TABLE teams (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name ctext NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_by_name ON teams (org_id, sh_fold(name));

CREATE TABLE team_members (
  team_id ctext NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role INTEGER NOT NULL CHECK (role IN (1, 2)),
  created BIGINT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);

CREATE TABLE team_stack_grants (
  team_id ctext NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  stack_id ctext NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  permission INTEGER NOT NULL CHECK (permission IN (101, 102, 103)),
  PRIMARY KEY (team_id, stack_id)
);
CREATE INDEX team_stack_grants_by_stack ON team_stack_grants (stack_id);

CREATE FUNCTION team_stack_grants_drop_on_transfer() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  DELETE FROM team_stack_grants WHERE stack_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER team_stack_grants_drop_on_transfer
  AFTER UPDATE OF org_id ON stacks
  FOR EACH ROW WHEN (NEW.org_id IS DISTINCT FROM OLD.org_id)
  EXECUTE FUNCTION team_stack_grants_drop_on_transfer();
)sql";

}  // namespace statehouse::storage::pg
