#include "storage/migrations.h"

namespace statehouse::storage::sqlite {

// Services group stacks and environment references. Owner and service names
// compare case-insensitively. An item is keyed by `item_key`: the stack id for
// stack items (so a stack item follows renames and is removed with its stack,
// ON DELETE CASCADE), the "project/env" name for environment items.
// `added_by` is a login and has no foreign key: attribution outlives the user.
extern const char kServicesSchemaSql[] = R"sql(
CREATE TABLE services (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  owner_type TEXT NOT NULL,
  owner_name TEXT NOT NULL COLLATE NOCASE,
  name TEXT NOT NULL COLLATE NOCASE,
  description TEXT NOT NULL,
  created INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX services_by_name
  ON services (org_id, owner_type, owner_name COLLATE NOCASE, name COLLATE NOCASE);
CREATE INDEX services_by_org_order
  ON services (org_id, name COLLATE NOCASE, owner_type, owner_name COLLATE NOCASE);

CREATE TABLE service_properties (
  service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  type TEXT NOT NULL,
  sort_order INTEGER NOT NULL,
  PRIMARY KEY (service_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE service_items (
  service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  item_key TEXT NOT NULL COLLATE NOCASE,
  stack_id TEXT REFERENCES stacks (id) ON DELETE CASCADE,
  added_by TEXT NOT NULL,
  added INTEGER NOT NULL,
  PRIMARY KEY (service_id, type, item_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX service_items_by_stack ON service_items (stack_id);
)sql";

}  // namespace statehouse::storage::sqlite
