#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Helpers every later migration may use (ctext, sh_fold, sh_try_lz4), then
// users, orgs, memberships, tokens, stacks, tags and stack states.
// stacks.created_by has no foreign key: attribution outlives the user.
extern const char kInitialSchemaSql[] = R"sql(
CREATE DOMAIN ctext AS text COLLATE "C";

CREATE FUNCTION sh_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower(t COLLATE "C") $$;

CREATE FUNCTION sh_try_lz4(tbl text, col text) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET COMPRESSION lz4', tbl, col);
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
  NULL;
END
$$;

CREATE TABLE users (
  id ctext PRIMARY KEY,
  login ctext NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  site_admin BOOLEAN NOT NULL DEFAULT FALSE,
  created BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_by_login ON users (sh_fold(login));

CREATE TABLE orgs (
  id ctext PRIMARY KEY,
  name ctext NOT NULL,
  created BIGINT NOT NULL,
  default_stack_permission INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX orgs_by_name ON orgs (sh_fold(name));

CREATE TABLE memberships (
  org_id ctext NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role INTEGER NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE tokens (
  id ctext PRIMARY KEY,
  user_id ctext NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  hash ctext NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created BIGINT NOT NULL,
  last_used BIGINT NOT NULL DEFAULT 0,
  expires BIGINT NOT NULL DEFAULT 0,
  deleted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tokens_by_user ON tokens (user_id, deleted, created, id);

CREATE TABLE stacks (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL REFERENCES orgs (id),
  project ctext NOT NULL,
  name ctext NOT NULL,
  created_by ctext NOT NULL,
  created BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 0,
  resource_count BIGINT NOT NULL DEFAULT 0,
  last_update BIGINT NOT NULL DEFAULT 0,
  active_update ctext NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX stacks_by_name ON stacks (org_id, sh_fold(project), sh_fold(name));

CREATE TABLE stack_tags (
  stack_id ctext NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  name ctext NOT NULL,
  value ctext NOT NULL,
  PRIMARY KEY (stack_id, name)
);
CREATE INDEX stack_tags_by_name_value ON stack_tags (name, value);

CREATE TABLE stack_states (
  stack_id ctext PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  deployment BYTEA NOT NULL
);
SELECT sh_try_lz4('stack_states', 'deployment');
)sql";

}  // namespace statehouse::storage::pg
