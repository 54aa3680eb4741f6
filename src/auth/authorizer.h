#pragma once

// The one place that decides who may do what. A route declares a `Need`; the
// API guard (src/api/endpoint.h) authenticates the caller and asks the
// Authorizer, which loads the organization/stack named by the route and
// resolves the caller's effective permission. Handlers never check access
// themselves.
//
// Disclosure policy (Pulumi Cloud's): a caller with no access at all to an
// organization or stack gets kNotFound; a caller who can see it but lacks the
// level required gets kPermissionDenied.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "storage/store.h"

namespace statehouse::auth {

using storage::OrgRole;

// Stack permission levels, as Pulumi Cloud numbers them. Creator (104) is
// equivalent to admin and is folded into kAdmin.
enum class StackPermission : int { kNone = 0, kRead = 101, kWrite = 102, kAdmin = 103 };

// An authenticated caller.
struct Principal {
  storage::UserRecord user;
  std::string token_id;    // "" for update-token calls
  std::string token_name;  // the token's name, else its description
};

// What a route requires.
enum class Need {
  kPublic,       // no authentication
  kUser,         // any authenticated user
  kSiteAdmin,    // a site administrator
  kOrgMember,    // member of route param {org}
  kOrgAdmin,     // admin of route param {org}
  kStackRead,    // read on {org}/{project}/{stack}
  kStackWrite,   // write on it
  kStackAdmin,   // admin on it
  // The lease token of update {updateID} of {org}/{project}/{stack}, sent as
  // "Authorization: update-token <lease>" instead of a user token.
  kUpdateToken,
};

// The outcome of a successful authorization, handed to the handler.
struct Access {
  Principal principal;
  std::optional<storage::OrgRecord> org;      // set for org and stack needs
  OrgRole org_role = OrgRole::kNone;
  std::optional<storage::StackRecord> stack;  // set for stack needs
  StackPermission stack_permission = StackPermission::kNone;
  std::string update_id;  // set for kUpdateToken
  std::string source_ip;  // the caller's address, set by api::Guard
};

// Additional stack grants beyond org role, creator and the org default (team
// grants plug in here). Implementations must be thread-safe.
class StackGrantSource {
 public:
  virtual ~StackGrantSource() = default;
  virtual Result<StackPermission> GrantFor(const storage::UserRecord& user,
                                           const storage::StackRecord& stack) = 0;
};

// Thread-safe after construction (AddGrantSource only before serving).
class Authorizer {
 public:
  Authorizer(storage::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  void AddGrantSource(StackGrantSource* source) { grant_sources_.push_back(source); }

  // Resolves an `Authorization` header value ("token <value>"). kUnauthenticated
  // when absent, malformed, unknown, deleted or expired. Records the token's
  // last use (at most once a minute per token).
  Result<Principal> Authenticate(std::optional<std::string_view> authorization_header);

  // Checks `need` for the named org/project/stack (empty when the route has
  // none). Names that cannot exist yield kNotFound.
  Result<Access> Authorize(Principal principal, Need need, std::string_view org,
                           std::string_view project, std::string_view stack);

  // Authorizes an update-token call: `authorization_header` must be
  // "update-token <lease>" where <lease> is the current (or previous) lease
  // token of update `update_id`, which must belong to the named stack and
  // hold an unexpired lease. kUnauthenticated when the header is absent or
  // malformed; kNotFound when the stack or update does not exist (or do not
  // match); kPermissionDenied when the lease token is wrong, expired or
  // revoked. The Access names the update's requester, org and stack.
  Result<Access> AuthorizeUpdateToken(std::optional<std::string_view> authorization_header,
                                      std::string_view org, std::string_view project,
                                      std::string_view stack, std::string_view update_id);

  // The caller's effective permission on a stack of `org`, where the caller's
  // role in that org is `role`: the maximum of org admin → admin, creator →
  // admin, member → the org's default stack permission, and every grant source.
  Result<StackPermission> EffectivePermission(const Principal& principal,
                                              const storage::OrgRecord& org, OrgRole role,
                                              const storage::StackRecord& stack);

 private:
  storage::Store& store_;
  const Clock& clock_;
  std::vector<StackGrantSource*> grant_sources_;
};

// The value of an access token: "pul-" followed by 40 lowercase hex digits.
bool LooksLikeAccessToken(std::string_view value);

}  // namespace statehouse::auth
