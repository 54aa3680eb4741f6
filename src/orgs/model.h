#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/error.h"
#include "storage/store.h"

namespace statehouse::orgs {

// "admin", "member" or "none".
std::string_view OrgRoleName(storage::OrgRole role);

// The `role` field of member requests: "member" or "admin"; absent means
// `fallback` when given. kInvalidArgument otherwise.
Result<storage::OrgRole> ParseOrgRole(const std::optional<std::string>& role,
                                      std::optional<storage::OrgRole> fallback);

// The FGARole JSON of a built-in role: id "member"/"admin" (as `role`),
// name "Member"/"Admin", modifiedAt the Unix epoch (built in, never modified).
boost::json::object BuiltInRoleJson(storage::OrgRole role);

// The OrganizationMember JSON of `member` (email only when known).
boost::json::object MemberJson(const storage::MemberRecord& member);

}  // namespace statehouse::orgs
