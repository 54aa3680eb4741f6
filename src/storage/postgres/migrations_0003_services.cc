#include "storage/migrations.h"

namespace statehouse::storage::pg {

// Services group stacks and environment references. Owner and service names
// compare case-insensitively. An item is keyed by `item_key` (unique per
// service and type ignoring case): the stack id for stack items (so a stack
// item follows renames and is removed with its stack, ON DELETE CASCADE),
// the "project/env" name for environment items. `added_by` is a login and
// has no foreign key: attribution outlives the user. A property's
// `sort_order` is the client's 64-bit order value, kept as given.
extern const char kServicesSchemaSql[] = R"sql(
CREATE TABLE services (
  id ctext PRIMARY KEY,
  org_id ctext NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  owner_type ctext NOT NULL,
  owner_name ctext NOT NULL,
  name ctext NOT NULL,
  description TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE UNIQUE INDEX services_by_name
  ON services (org_id, owner_type, sh_fold(owner_name), sh_fold(name));
CREATE INDEX services_by_org_order
  ON services (org_id, sh_fold(name), owner_type, sh_fold(owner_name));

CREATE TABLE service_properties (
  service_id ctext NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  type TEXT NOT NULL,
  sort_order BIGINT NOT NULL,
  PRIMARY KEY (service_id, position)
);

CREATE TABLE service_items (
  service_id ctext NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  type ctext NOT NULL,
  item_key ctext NOT NULL,
  stack_id ctext REFERENCES stacks (id) ON DELETE CASCADE,
  added_by TEXT NOT NULL,
  added BIGINT NOT NULL
);
CREATE UNIQUE INDEX service_items_by_key ON service_items (service_id, type, sh_fold(item_key));
CREATE INDEX service_items_by_stack ON service_items (stack_id);
)sql";

}  // namespace statehouse::storage::pg
