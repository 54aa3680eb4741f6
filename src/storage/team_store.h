#pragma once

// Teams, team membership and team stack grants (SqlStore: team_store.cc).
// Same rules as store.h.
//
// Team names compare case-insensitively (ASCII folding) within an org. A team
// belongs to one org; its members must be members of that org, and its stack
// grants name stacks of that org. Deleting a team, a user or a stack removes
// the memberships and grants that refer to it; moving a stack to another org
// removes its team grants.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace statehouse::storage {

enum class TeamRole { kNone = 0, kMember = 1, kAdmin = 2 };

struct TeamRecord {
  std::string id;
  std::string org_id;
  std::string name;
  std::string display_name;
  std::string description;
  int64_t created = 0;
};

struct TeamMemberRecord {
  std::string user_id;
  std::string login;
  std::string name;
  TeamRole role = TeamRole::kMember;
  int64_t created = 0;
};

// A team's permission on one stack: 101 (read), 102 (write) or 103 (admin).
struct TeamStackGrantRecord {
  std::string stack_id;
  std::string project;
  std::string stack_name;
  int permission = 0;
};

class TeamStore {
 public:
  virtual ~TeamStore() = default;

  // Creates `team`; when `creator_user_id` is not empty that user becomes its
  // first member with role admin (and must be a member of the team's org,
  // else kNotFound and nothing is written). kAlreadyExists if the org has a
  // team of that name.
  virtual Result<void> CreateTeam(const TeamRecord& team, const std::string& creator_user_id) = 0;
  // Case-insensitive on name. kNotFound if absent.
  virtual Result<TeamRecord> GetTeam(const std::string& org_id, const std::string& name) = 0;
  // The org's teams ordered by name (case-insensitive).
  virtual Result<std::vector<TeamRecord>> ListTeams(const std::string& org_id) = 0;
  // Removes the team with its memberships and grants. kNotFound if absent.
  virtual Result<void> DeleteTeam(const std::string& team_id) = 0;
  // Replaces the fields that are set. kNotFound if the team is absent.
  virtual Result<void> UpdateTeam(const std::string& team_id,
                                  const std::optional<std::string>& display_name,
                                  const std::optional<std::string>& description) = 0;

  // Members ordered by login (case-insensitive).
  virtual Result<std::vector<TeamMemberRecord>> ListTeamMembers(const std::string& team_id) = 0;
  // The user's role in the team; kNone when not a member.
  virtual Result<TeamRole> GetTeamRole(const std::string& team_id, const std::string& user_id) = 0;
  // Adds the user with `role`. kNotFound if the team is absent or the user is
  // not a member of the team's org; kAlreadyExists if already in the team.
  virtual Result<void> AddTeamMember(const std::string& team_id, const std::string& user_id,
                                     TeamRole role, int64_t created) = 0;
  // kNotFound if the user is not in the team.
  virtual Result<void> RemoveTeamMember(const std::string& team_id, const std::string& user_id) = 0;
  // kNotFound if the user is not in the team.
  virtual Result<void> SetTeamMemberRole(const std::string& team_id, const std::string& user_id,
                                         TeamRole role) = 0;

  // Grants ordered by (project, stack name), case-insensitive.
  virtual Result<std::vector<TeamStackGrantRecord>> ListTeamStackGrants(
      const std::string& team_id) = 0;
  // Sets the team's permission on the stack, creating the grant when
  // `create_if_absent` (else kNotFound when the team has no grant on it).
  // kNotFound if the team or stack is absent or they belong to different orgs.
  virtual Result<void> PutTeamStackGrant(const std::string& team_id, const std::string& stack_id,
                                         int permission, bool create_if_absent) = 0;
  // kNotFound if the team has no grant on the stack.
  virtual Result<void> RemoveTeamStackGrant(const std::string& team_id,
                                            const std::string& stack_id) = 0;
  // The highest permission on the stack granted to any team of the stack's
  // org that the user belongs to; 0 when none.
  virtual Result<int> MaxTeamStackPermission(const std::string& user_id,
                                             const std::string& stack_id) = 0;
};

}  // namespace statehouse::storage
