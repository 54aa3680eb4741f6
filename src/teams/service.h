#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/random.h"
#include "events/domain_event.h"
#include "storage/store.h"
#include "teams/model.h"

namespace statehouse::teams {

// Teams of an organization: creation, membership and stack grants. Routes
// guard the base need (org member or org admin); this service enforces the
// rules that depend on the data, including who may change a team's
// membership (an org admin or an admin of that team), and publishes one
// domain event per change (team-created, team-deleted, team-updated) in the
// store transaction of the change; a publish error fails the call and rolls
// the change back. Thread-safe.
class TeamService {
 public:
  TeamService(storage::Store& store, const Clock& clock, Random& random, events::EventSink& events)
      : store_(store), clock_(clock), random_(random), events_(events) {}

  // Creates a team in access.org with the caller as its admin.
  // kInvalidArgument for a bad name, a display name over 100 characters or a
  // description over 1024; kAlreadyExists if the name is taken.
  Result<TeamView> Create(const auth::Access& access, const std::string& name,
                          const std::string& display_name, const std::string& description);

  // Every team of access.org, with members and stack grants.
  Result<std::vector<TeamView>> List(const auth::Access& access);
  // kNotFound for an unknown team.
  Result<TeamView> Get(const auth::Access& access, const std::string& name);
  // kNotFound for an unknown team.
  Result<void> Delete(const auth::Access& access, const std::string& name);

  // Adds, removes, promotes or demotes `login`. The caller must be an org
  // admin or an admin of the team (else kPermissionDenied). kNotFound for an
  // unknown team, a user who is not an org member, or (remove, promote,
  // demote) a user not in the team; kAlreadyExists when adding a member.
  Result<void> ChangeMember(const auth::Access& access, const std::string& team,
                            MemberAction action, const std::string& login);

  // The following need an org admin (else kPermissionDenied); kNotFound for
  // an unknown team.
  //
  // Grants `permission` (101, 102 or 103, else kInvalidArgument) on a stack of
  // the org. `add` creates or replaces the grant; otherwise the team must
  // already have one (kNotFound). kNotFound for an unknown stack.
  Result<void> SetStackPermission(const auth::Access& access, const std::string& team,
                                  const std::string& project, const std::string& stack,
                                  int permission, bool add);
  // kNotFound for an unknown stack or one the team has no grant on.
  Result<void> RemoveStack(const auth::Access& access, const std::string& team,
                           const std::string& project, const std::string& stack);
  // Same limits as Create.
  Result<void> UpdateInfo(const auth::Access& access, const std::string& team,
                          const std::optional<std::string>& display_name,
                          const std::optional<std::string>& description);

 private:
  Result<storage::TeamRecord> FindTeam(const auth::Access& access, const std::string& name);
  Result<TeamView> Load(const auth::Access& access, storage::TeamRecord team);
  Result<storage::StackRecord> FindStack(const auth::Access& access, const std::string& project,
                                         const std::string& stack);
  // The store change of ChangeMember; the messages replace kNotFound.
  Result<void> ApplyMemberAction(const storage::TeamRecord& team, const storage::UserRecord& user,
                                 MemberAction action, const std::string& not_org_member,
                                 const std::string& not_in_team);
  Result<void> Publish(const auth::Access& access, std::string kind, std::string target,
                       std::map<std::string, std::string> fields);

  storage::Store& store_;
  const Clock& clock_;
  Random& random_;
  events::EventSink& events_;
};

}  // namespace statehouse::teams
