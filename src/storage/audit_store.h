#pragma once

// The audit trail (SqlStore: audit_store.cc). Same rules as
// store.h. Audit rows are append-only: the interface has no way to edit or
// delete them, and the schemas refuse UPDATE and DELETE on the table.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

// One recorded action. User fields are a snapshot taken when the event
// happened, so the row reads the same after the user changes or leaves.
struct AuditEventRecord {
  std::string id;      // unique, opaque; orders events within one second
  std::string org_id;  // organization whose audit log holds the row
  int64_t time = 0;    // Unix seconds
  std::string event;   // catalog id, e.g. "stack-created"
  std::string description;
  std::string source_ip;
  std::string user_id;  // "" when no user is known (e.g. a bad token)
  std::string user_login;
  std::string user_name;
  std::string token_id;  // "" when no token was used
  std::string token_name;
  bool req_org_admin = false;
  bool req_stack_admin = false;
  bool auth_failure = false;
};

// Selects an org's events, newest first: ordered by (time desc, id desc).
struct AuditQuery {
  std::string org_id;
  // Only events with time <= not_after / time >= not_before, when given.
  std::optional<int64_t> not_after;
  std::optional<int64_t> not_before;
  // Keyset position from a previous page: only events strictly after it in
  // the order above, i.e. (time, id) < (after->time, after->id).
  struct Position {
    int64_t time = 0;
    std::string id;
  };
  std::optional<Position> after;
  std::vector<std::string> events;  // only these catalog ids; empty = all
  std::optional<std::string> user_id;
  int limit = 100;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Appends one row. kAlreadyExists if the id is taken.
  virtual Result<void> AppendAuditEvent(const AuditEventRecord& event) = 0;
  // At most query.limit rows matching `query`.
  virtual Result<std::vector<AuditEventRecord>> ListAuditEvents(const AuditQuery& query) = 0;
};

}  // namespace statehouse::storage
