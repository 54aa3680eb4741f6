#pragma once

// What authorizing one request needs, read in one statement (one round trip
// on PostgreSQL) and never cached beyond the request, so a revoked token or
// membership is seen at once by every replica.

#include <optional>
#include <string>

#include "common/error.h"
#include "storage/records.h"
#include "storage/update_store.h"

namespace statehouse::storage {

struct AccessQuery {
  std::string token_hash;  // the caller's token; "" to look the user up by user_id
  std::string user_id;     // used when token_hash is ""
  std::string org_name;    // "" when the route names no org
  std::string project;     // "" when the route names no stack
  std::string stack_name;
  // The caller only reads: the context may come from a cache (where the
  // engine can tell when it is current, see Engine::AwaitChangeGeneration),
  // which every write acknowledged before the call, on any replica,
  // invalidates; except that its stack's resource_count may lag the
  // checkpoints of a running update (they are not announced).
  bool allow_cached = false;
};

struct AccessContext {
  // The live (undeleted) token with its user; expiry is not checked here.
  std::optional<TokenLookup> token;
  std::optional<UserRecord> user;  // the token's user, or the user_id's
  std::optional<OrgRecord> org;    // the named org (case-insensitive)
  OrgRole role = OrgRole::kNone;   // the user's role in it
  std::optional<StackRecord> stack;  // the named stack of that org, with its tags
  int team_permission = 0;  // the highest team grant of the user on the stack (0 = none)
};

// What authorizing an update-token call needs.
struct UpdateAccessContext {
  std::optional<OrgRecord> org;      // the named org (case-insensitive)
  std::optional<StackRecord> stack;  // the named stack of that org, with its tags
  std::optional<UpdateRecord> update;  // the update, when it is one of that stack's
};

class AccessStore {
 public:
  virtual ~AccessStore() = default;
  // Loads every part of `query` that exists; absent parts stay empty.
  virtual Result<AccessContext> LoadAccess(const AccessQuery& query) = 0;
  // Loads the named org and stack and update `update_id` of that stack, in
  // one statement; absent parts stay empty.
  virtual Result<UpdateAccessContext> LoadUpdateAccess(const std::string& org_name,
                                                       const std::string& project,
                                                       const std::string& stack_name,
                                                       const std::string& update_id) = 0;
};

}  // namespace statehouse::storage
