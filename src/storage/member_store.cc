// OrgStore: member listing, removal, roles and org settings.
//
// The rule that an org keeps an admin is the orgs service's; storage gives it
// CountAdmins, which row-locks the org first (FOR NO KEY UPDATE, which leaves
// foreign-key checks of concurrent inserts alone) and counts in a separate
// statement, whose fresh READ COMMITTED snapshot sees what the lock waited
// for. Removing a member locks the org row too, so a member being removed
// from the org is not added to one of its teams meanwhile (AddTeamMember
// share-locks the org row).

#include "storage/sql_store.h"

namespace statehouse::storage {
namespace {

SH_QUERY(kSelectMembers,
         "SELECT u.id, u.login, u.name, u.email, u.site_admin, u.created, m.role, m.created"
         " FROM memberships AS m JOIN users AS u ON u.id = m.user_id"
         " WHERE m.org_id = $1 ORDER BY sh_fold(u.login), u.id");
SH_QUERY(kLockOrgForMembers, "SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE");
SH_QUERY(kCountOrgAdmins, "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = $2");
SH_QUERY(kDeleteMembership, "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2");
SH_QUERY(kDeleteOrgTeamMemberships,
         "DELETE FROM team_members WHERE user_id = $2"
         " AND team_id IN (SELECT id FROM teams WHERE org_id = $1)");
SH_QUERY(kUpdateMembershipRole,
         "UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2");
SH_QUERY(kUpdateDefaultStackPermission,
         "UPDATE orgs SET default_stack_permission = $2 WHERE id = $1");

constexpr std::string_view kNotAMember = "user is not a member of the organization";

}  // namespace

Result<std::vector<MemberRecord>> SqlStore::ListMembers(const std::string& org_id) {
  return engine_->All(kSelectMembers, Params::Of(org_id), [](const Rows& rows) {
    return MemberRecord{ReadUser(rows, 0), ToRole(rows.Int(6)), rows.Int(7)};
  });
}

Result<void> SqlStore::RemoveMember(const std::string& org_id, const std::string& user_id) {
  return engine_->Write([&](Session& s) -> Result<void> {
    SH_TRY(s.RequireRow(kLockOrgForMembers, Params::Of(org_id), kNotAMember));
    SH_TRY(s.ChangeOne(kDeleteMembership, Params::Of(org_id, user_id), kNotAMember));
    return s.Run(kDeleteOrgTeamMemberships, Params::Of(org_id, user_id));
  });
}

Result<void> SqlStore::SetMemberRole(const std::string& org_id, const std::string& user_id,
                                     OrgRole role) {
  return engine_->ChangeOne(kUpdateMembershipRole,
                            Params::Of(org_id, user_id, static_cast<int64_t>(role)), kNotAMember);
}

Result<int64_t> SqlStore::CountAdmins(const std::string& org_id) {
  return engine_->Write([&](Session& s) -> Result<int64_t> {
    SH_TRY(s.RequireRow(kLockOrgForMembers, Params::Of(org_id), "organization not found"));
    return s.QueryInt(kCountOrgAdmins, Params::Of(org_id, static_cast<int64_t>(OrgRole::kAdmin)));
  });
}

Result<void> SqlStore::SetDefaultStackPermission(const std::string& org_id, int permission) {
  return engine_->ChangeOne(kUpdateDefaultStackPermission, Params::Of(org_id, permission),
                            "organization not found");
}

}  // namespace statehouse::storage
