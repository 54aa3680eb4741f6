#pragma once

#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "events/domain_event.h"
#include "orgs/model.h"
#include "storage/store.h"

namespace statehouse::orgs {

// Organization members and settings. Access has already been granted by the
// Authorizer for the route's Need (org member or org admin); this service
// enforces the rules that depend on the data and publishes one domain event
// per change (member-removed, member-role-changed,
// organization-settings-changed) in the store transaction of the change; a
// publish error fails the call and rolls the change back. An organization
// keeps at least one admin: this service enforces it (storage removes and
// demotes unconditionally). Thread-safe.
// How many members and stacks an organization has.
struct OrgCounts {
  int64_t members = 0;
  int64_t stacks = 0;
};

class OrgService {
 public:
  OrgService(storage::Store& store, const Clock& clock, events::EventSink& events)
      : store_(store), clock_(clock), events_(events) {}

  // Members of access.org ordered by login.
  Result<std::vector<storage::MemberRecord>> ListMembers(const auth::Access& access);

  // Removes `login` from access.org and from all of its teams.
  // kInvalidArgument when removing yourself or the org's only admin;
  // kNotFound for an unknown user or a non-member.
  Result<void> RemoveMember(const auth::Access& access, const std::string& login);

  // Sets the role of member `login` (kMember or kAdmin). kNotFound for an
  // unknown user or a non-member; kInvalidArgument when demoting the org's
  // only admin. Setting the current role changes nothing and publishes nothing.
  Result<void> SetMemberRole(const auth::Access& access, const std::string& login,
                             storage::OrgRole role);

  // Sets the stack permission every member has on every stack of the org:
  // 0, 101 or 102, else kInvalidArgument. Returns the updated org.
  Result<storage::OrgRecord> SetDefaultStackPermission(const auth::Access& access, int permission);

  // Member and stack counts of `org` (for OrganizationMetadata; reads every
  // stack row of the org, so meant for rare calls).
  Result<OrgCounts> Counts(const storage::OrgRecord& org);

 private:
  // The member record of `login` in access.org; kNotFound when absent.
  Result<storage::MemberRecord> FindMember(const auth::Access& access, const std::string& login);
  // Inside the transaction of a removal or demotion of `user_id`: kNotFound
  // when not a member; kPreconditionFailed when they are the org's only
  // admin. Locks the org (storage CountAdmins) until the transaction ends, so
  // of two concurrent removals or demotions of the org's last two admins (on
  // any replica) exactly one succeeds.
  Result<void> RefuseLeavingNoAdmin(const std::string& org_id, const std::string& user_id);
  Result<void> Publish(const auth::Access& access, std::string kind, std::string target,
                       std::map<std::string, std::string> fields);

  storage::Store& store_;
  const Clock& clock_;
  events::EventSink& events_;
};

}  // namespace statehouse::orgs
