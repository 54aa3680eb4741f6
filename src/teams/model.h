#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/names.h"
#include "storage/store.h"

namespace statehouse::teams {

// Team names follow the project-name rule: [A-Za-z0-9_.-]{1,100}, not "." or "..".
inline bool IsValidTeamName(std::string_view name) { return names::IsValidProjectName(name); }
inline constexpr size_t kMaxDisplayNameLength = 100;
inline constexpr size_t kMaxDescriptionLength = 1024;

// A team as the API shows it to one caller.
struct TeamView {
  storage::TeamRecord team;
  std::vector<storage::TeamMemberRecord> members;
  std::vector<storage::TeamStackGrantRecord> stacks;
  storage::TeamRole caller_role = storage::TeamRole::kNone;
};

enum class MemberAction { kAdd, kRemove, kPromote, kDemote };

// "admin", "member" or "none".
std::string_view TeamRoleName(storage::TeamRole role);

}  // namespace statehouse::teams
