#include "orgs/model.h"

#include "json/json_util.h"

namespace statehouse::orgs {

std::string_view OrgRoleName(storage::OrgRole role) {
  switch (role) {
    case storage::OrgRole::kAdmin:
      return "admin";
    case storage::OrgRole::kMember:
      return "member";
    case storage::OrgRole::kNone:
      break;
  }
  return "none";
}

Result<storage::OrgRole> ParseOrgRole(const std::optional<std::string>& role,
                                      std::optional<storage::OrgRole> fallback) {
  if (!role && fallback) return *fallback;
  if (role == "member") return storage::OrgRole::kMember;
  if (role == "admin") return storage::OrgRole::kAdmin;
  return Fail(Error::InvalidArgument("Invalid field 'role': must be 'member' or 'admin'"));
}

boost::json::object BuiltInRoleJson(storage::OrgRole role) {
  const std::string_view id = OrgRoleName(role);
  std::string name(id);
  if (!name.empty()) name[0] = static_cast<char>(name[0] - 'a' + 'A');
  // Built-in roles are never modified: the epoch says so.
  return boost::json::object{{"id", id}, {"name", name}, {"modifiedAt", json::Rfc3339(0)}};
}

boost::json::object MemberJson(const storage::MemberRecord& m) {
  boost::json::object user{{"name", m.user.name}, {"githubLogin", m.user.login}, {"avatarUrl", ""}};
  if (!m.user.email.empty()) user["email"] = m.user.email;
  return boost::json::object{{"role", OrgRoleName(m.role)},
                             {"fgaRole", BuiltInRoleJson(m.role)},
                             {"user", std::move(user)},
                             {"created", json::Rfc3339(m.created)},
                             {"knownToPulumi", true},
                             {"virtualAdmin", false}};
}

}  // namespace statehouse::orgs
