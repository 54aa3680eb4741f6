#include "auth/event.h"
#include "orgs/service.h"

#include <fmt/format.h>

#include "common/names.h"

namespace statehouse::orgs {

Result<std::vector<storage::MemberRecord>> OrgService::ListMembers(const auth::Access& access) {
  return store_.ListMembers(access.org->id);
}

Result<storage::MemberRecord> OrgService::FindMember(const auth::Access& access,
                                                     const std::string& login) {
  Error not_found = Error::NotFound(
      fmt::format("User '{}' is not a member of organization '{}'", login, access.org->name));
  if (!names::IsValidLogin(login)) return Fail(std::move(not_found));
  auto user = store_.GetUserByLogin(login);
  if (!user) {
    if (user.error().code == ErrorCode::kNotFound) return Fail(std::move(not_found));
    return Fail(std::move(user).error());
  }
  SH_ASSIGN_OR_RETURN(auto role, store_.GetRole(access.org->id, user->id));
  if (role == storage::OrgRole::kNone) return Fail(std::move(not_found));
  return storage::MemberRecord{std::move(*user), role, 0};
}

Result<void> OrgService::Publish(const auth::Access& access, std::string kind, std::string target,
                                 std::map<std::string, std::string> fields) {
  events::DomainEvent event = auth::NewEvent(access, std::move(kind), clock_.NowSeconds());
  event.target = std::move(target);
  event.fields = std::move(fields);
  return events_.Publish(event);
}

Result<void> OrgService::RefuseLeavingNoAdmin(const std::string& org_id,
                                              const std::string& user_id) {
  // CountAdmins locks the org first, so GetRole reads the role as the other
  // removals and demotions committed before this one left it.
  SH_ASSIGN_OR_RETURN(const int64_t admins, store_.CountAdmins(org_id));
  SH_ASSIGN_OR_RETURN(const storage::OrgRole role, store_.GetRole(org_id, user_id));
  if (role == storage::OrgRole::kNone) {
    return Fail(Error::NotFound("user is not a member of the organization"));
  }
  if (role == storage::OrgRole::kAdmin && admins <= 1) {
    return Fail(Error::PreconditionFailed("the organization must keep at least one admin"));
  }
  return {};
}

Result<void> OrgService::RemoveMember(const auth::Access& access, const std::string& login) {
  SH_ASSIGN_OR_RETURN(auto member, FindMember(access, login));
  if (member.user.id == access.principal.user.id) {
    return Fail(Error::InvalidArgument("You cannot remove yourself from the organization."));
  }
  auto removed = store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(RefuseLeavingNoAdmin(access.org->id, member.user.id));
    SH_TRY(store_.RemoveMember(access.org->id, member.user.id));
    return Publish(access, "member-removed", member.user.login, {});
  });
  if (!removed) {
    switch (removed.error().code) {
      case ErrorCode::kPreconditionFailed:
        return Fail(Error::InvalidArgument(fmt::format(
            "Cannot remove '{}': an organization must keep at least one admin", member.user.login)));
      case ErrorCode::kNotFound:
        return Fail(Error::NotFound(fmt::format("User '{}' is not a member of organization '{}'",
                                                login, access.org->name)));
      default:
        return Fail(std::move(removed).error());
    }
  }
  return {};
}

Result<void> OrgService::SetMemberRole(const auth::Access& access, const std::string& login,
                                       storage::OrgRole role) {
  if (role != storage::OrgRole::kMember && role != storage::OrgRole::kAdmin) {
    return Fail(Error::InvalidArgument("Invalid field 'role': must be 'member' or 'admin'"));
  }
  SH_ASSIGN_OR_RETURN(auto member, FindMember(access, login));
  if (member.role == role) return {};
  auto changed = store_.RunInTransaction([&]() -> Result<void> {
    if (role != storage::OrgRole::kAdmin) {
      SH_TRY(RefuseLeavingNoAdmin(access.org->id, member.user.id));
    }
    SH_TRY(store_.SetMemberRole(access.org->id, member.user.id, role));
    return Publish(access, "member-role-changed", member.user.login,
                   {{"role", std::string(OrgRoleName(role))},
                    {"from", std::string(OrgRoleName(member.role))},
                    {"to", std::string(OrgRoleName(role))}});
  });
  if (!changed) {
    switch (changed.error().code) {
      case ErrorCode::kPreconditionFailed:
        return Fail(Error::InvalidArgument(fmt::format(
            "Cannot demote '{}': an organization must keep at least one admin", member.user.login)));
      case ErrorCode::kNotFound:
        return Fail(Error::NotFound(fmt::format("User '{}' is not a member of organization '{}'",
                                                login, access.org->name)));
      default:
        return Fail(std::move(changed).error());
    }
  }
  return {};
}

Result<storage::OrgRecord> OrgService::SetDefaultStackPermission(const auth::Access& access,
                                                                 int permission) {
  if (permission != 0 && permission != 101 && permission != 102) {
    return Fail(Error::InvalidArgument(
        "Invalid field 'setDefaultStackPermission': must be 0 (none), 101 (read) or 102 (write)"));
  }
  storage::OrgRecord org = *access.org;
  if (org.default_stack_permission == permission) return org;
  SH_TRY(store_.RunInTransaction([&]() -> Result<void> {
    SH_TRY(store_.SetDefaultStackPermission(org.id, permission));
    return Publish(access, "organization-settings-changed", org.name,
                   {{"defaultStackPermission", std::to_string(permission)},
                    {"setting", "defaultStackPermission"},
                    {"from", std::to_string(org.default_stack_permission)},
                    {"to", std::to_string(permission)}});
  }));
  org.default_stack_permission = permission;
  return org;
}

Result<OrgCounts> OrgService::Counts(const storage::OrgRecord& org) {
  OrgCounts counts;
  SH_ASSIGN_OR_RETURN(auto members, store_.ListMembers(org.id));
  counts.members = static_cast<int64_t>(members.size());
  storage::StackQuery query;
  query.org_ids = {org.id};
  query.limit = 1000;
  while (true) {
    SH_ASSIGN_OR_RETURN(auto rows, store_.ListStacks(query));
    counts.stacks += static_cast<int64_t>(rows.size());
    if (static_cast<int>(rows.size()) < query.limit) break;
    const auto& last = rows.back();
    query.after = storage::StackQuery::Position{last.org_name, last.project, last.name};
  }
  return counts;
}

}  // namespace statehouse::orgs
