// OrgStore: member listing, removal, roles and org settings.
//
// Removing or demoting a member row-locks the org first (FOR NO KEY UPDATE,
// which leaves foreign-key checks of concurrent inserts alone), so two
// replicas demoting the org's last two admins at once cannot both pass the
// "keeps at least one admin" check.

#include <fmt/format.h>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {
namespace {

constexpr char kSelectMembersSql[] =
    "SELECT u.id, u.login, u.name, u.email, u.site_admin, u.created, m.role, m.created"
    " FROM memberships AS m JOIN users AS u ON u.id = m.user_id"
    " WHERE m.org_id = $1 ORDER BY sh_fold(u.login), u.id";
constexpr char kLockOrgSql[] = "SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE";
constexpr char kSelectMemberRoleSql[] =
    "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2";
constexpr char kCountAdminsSql[] =
    "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = $2";
constexpr char kDeleteOrgTeamMembershipsSql[] =
    "DELETE FROM team_members WHERE user_id = $2"
    " AND team_id IN (SELECT id FROM teams WHERE org_id = $1)";
constexpr char kDeleteMembershipSql[] =
    "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2";
constexpr char kUpdateMembershipRoleSql[] =
    "UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2";
constexpr char kUpdateDefaultStackPermissionSql[] =
    "UPDATE orgs SET default_stack_permission = $2 WHERE id = $1";

// Locks the org row, then returns the member's role; kNotFound when the user
// is not a member (or the org is absent).
Result<OrgRole> LockOrgAndGetRole(Connection& conn, const std::string& org_id,
                                  const std::string& user_id) {
  SH_TRY(conn.Run(kLockOrgSql, Params().Text(org_id)));
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kSelectMemberRoleSql, Params().Text(org_id).Text(user_id)));
  if (!rows.Next()) return Fail(Error::NotFound("user is not a member of the organization"));
  return ToRole(rows.Int(0));
}

// kPreconditionFailed when `role` is admin and the org has no other admin.
// Call with the org row locked.
Result<void> RefuseLastAdmin(Connection& conn, const std::string& org_id, OrgRole role) {
  if (role != OrgRole::kAdmin) return {};
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(kCountAdminsSql, Params().Text(org_id).Int(
                                                                static_cast<int64_t>(OrgRole::kAdmin))));
  if (rows.Next() && rows.Int(0) <= 1) {
    return Fail(Error::PreconditionFailed("the organization must keep at least one admin"));
  }
  return {};
}

}  // namespace
}  // namespace pg

Result<std::vector<MemberRecord>> PostgresStore::ListMembers(const std::string& org_id) {
  return Query([&](Connection& conn) -> Result<std::vector<MemberRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectMembersSql, Params().Text(org_id)));
    std::vector<MemberRecord> members;
    while (rows.Next()) {
      members.push_back(MemberRecord{pg::ReadUser(rows, 0), pg::ToRole(rows.Int(6)), rows.Int(7)});
    }
    return members;
  });
}

Result<void> PostgresStore::RemoveMember(const std::string& org_id, const std::string& user_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const OrgRole role, pg::LockOrgAndGetRole(conn, org_id, user_id));
    SH_TRY(pg::RefuseLastAdmin(conn, org_id, role));
    SH_TRY(conn.Run(pg::kDeleteOrgTeamMembershipsSql, Params().Text(org_id).Text(user_id)));
    return conn.Run(pg::kDeleteMembershipSql, Params().Text(org_id).Text(user_id));
  });
}

Result<void> PostgresStore::SetMemberRole(const std::string& org_id, const std::string& user_id,
                                          OrgRole role) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const OrgRole current, pg::LockOrgAndGetRole(conn, org_id, user_id));
    if (current == role) return {};
    SH_TRY(pg::RefuseLastAdmin(conn, org_id, current));
    return conn.Run(pg::kUpdateMembershipRoleSql,
                    Params().Text(org_id).Text(user_id).Int(static_cast<int64_t>(role)));
  });
}

Result<void> PostgresStore::SetDefaultStackPermission(const std::string& org_id, int permission) {
  return Query([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kUpdateDefaultStackPermissionSql,
                                             Params().Text(org_id).Int(permission)));
    if (rows.Affected() == 0) return Fail(Error::NotFound("organization not found"));
    return {};
  });
}

}  // namespace statehouse::storage
