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

// The OrganizationMember JSON of `member` (email only when known).
boost::json::object MemberJson(const storage::MemberRecord& member);

}  // namespace statehouse::orgs
