#pragma once

// The records of users, organizations, memberships, tokens and stacks: the
// types the authorizer and every area share (the store interfaces are in
// store.h).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace statehouse::storage {

enum class OrgRole { kNone = 0, kMember = 1, kAdmin = 2 };

// The role stored as `value`; kNone for anything unknown.
inline OrgRole ToRole(int64_t value) {
  return value == 1 || value == 2 ? static_cast<OrgRole>(value) : OrgRole::kNone;
}

struct UserRecord {
  std::string id;
  std::string login;
  std::string name;
  std::string email;
  bool site_admin = false;
  int64_t created = 0;
};

struct OrgRecord {
  std::string id;
  std::string name;
  int64_t created = 0;
  // Stack permission every member has on every stack of the org: 0 (none),
  // 101 (read) or 102 (write). New organizations start at 0.
  int default_stack_permission = 0;
};

struct MembershipRecord {
  std::string org_id;
  std::string org_name;
  std::string user_id;
  OrgRole role = OrgRole::kMember;
  int64_t created = 0;
};

// A member of an org, with the user's details.
struct MemberRecord {
  UserRecord user;
  OrgRole role = OrgRole::kMember;
  int64_t created = 0;  // when the user joined the org
};

struct TokenRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string description;
  int64_t created = 0;
  int64_t last_used = 0;  // 0 = never
  int64_t expires = 0;    // 0 = never
};

// A token found by its hash, with its owner.
struct TokenLookup {
  TokenRecord token;
  UserRecord user;
};

// What a stack read carries of the stack's active update, so that showing
// the operation in progress needs no second read.
struct ActiveUpdateRecord {
  std::string kind;  // "update", "preview", "refresh", "destroy"
  bool dry_run = false;
  bool running = false;  // still running (its lease may have lapsed)
  int64_t lease_expires = 0;
  int64_t started = 0;
  std::string requested_by_login;
};

struct StackRecord {
  std::string id;
  std::string org_id;
  std::string org_name;
  std::string project;
  std::string name;
  std::string created_by;  // user id of the creator
  int64_t created = 0;
  int64_t version = 0;         // latest completed update version; 0 = never updated
  int64_t resource_count = 0;  // resources in the current state
  int64_t last_update = 0;     // start time of the last update; 0 = never
  std::string active_update;   // id of the most recent update, "" if none
  std::map<std::string, std::string> tags;
  // That update, when the read included it (GetStack, ListStacks and the
  // access read do); nullopt otherwise.
  std::optional<ActiveUpdateRecord> active;
};

}  // namespace statehouse::storage
