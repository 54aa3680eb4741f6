// OrgStore: member listing, removal, roles and org settings.

#include <fmt/format.h>

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_store.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

constexpr char kSelectMembersSql[] =
    "SELECT u.id, u.login, u.name, u.email, u.site_admin, u.created, m.role, m.created"
    " FROM memberships AS m JOIN users AS u ON u.id = m.user_id"
    " WHERE m.org_id = ?1 ORDER BY u.login COLLATE NOCASE";
constexpr char kSelectMemberRoleSql[] =
    "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2";
constexpr char kCountAdminsSql[] = "SELECT COUNT(*) FROM memberships WHERE org_id = ?1 AND role = ?2";
constexpr char kDeleteOrgTeamMembershipsSql[] =
    "DELETE FROM team_members WHERE user_id = ?2"
    " AND team_id IN (SELECT id FROM teams WHERE org_id = ?1)";
constexpr char kDeleteMembershipSql[] = "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2";
constexpr char kUpdateMembershipRoleSql[] =
    "UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2";
constexpr char kUpdateDefaultStackPermissionSql[] =
    "UPDATE orgs SET default_stack_permission = ?2 WHERE id = ?1";

// The member's role; kNotFound when not a member.
Result<OrgRole> RequireMemberRole(Connection& conn, const std::string& org_id,
                                  const std::string& user_id) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kSelectMemberRoleSql));
  stmt.BindText(1, org_id).BindText(2, user_id);
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Fail(Error::NotFound("user is not a member of the organization"));
  return ToRole(stmt.ColumnInt(0));
}

// kPreconditionFailed when `role` is admin and the org has no other admin.
Result<void> RefuseLastAdmin(Connection& conn, const std::string& org_id, OrgRole role) {
  if (role != OrgRole::kAdmin) return {};
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kCountAdminsSql));
  stmt.BindText(1, org_id).BindInt(2, static_cast<int64_t>(OrgRole::kAdmin));
  SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (row && stmt.ColumnInt(0) <= 1) {
    return Fail(Error::PreconditionFailed("the organization must keep at least one admin"));
  }
  return {};
}

}  // namespace
}  // namespace sqlite

Result<std::vector<MemberRecord>> SqliteStore::ListMembers(const std::string& org_id) {
  return Query([&](Connection& conn) -> Result<std::vector<MemberRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectMembersSql));
    stmt.BindText(1, org_id);
    std::vector<MemberRecord> members;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      members.push_back(
          MemberRecord{sqlite::ReadUser(stmt, 0), sqlite::ToRole(stmt.ColumnInt(6)), stmt.ColumnInt(7)});
    }
    return members;
  });
}

Result<void> SqliteStore::RemoveMember(const std::string& org_id, const std::string& user_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const OrgRole role, sqlite::RequireMemberRole(conn, org_id, user_id));
    SH_TRY(sqlite::RefuseLastAdmin(conn, org_id, role));
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteOrgTeamMembershipsSql));
      stmt.BindText(1, org_id).BindText(2, user_id);
      SH_TRY(stmt.Run());
    }
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteMembershipSql));
    stmt.BindText(1, org_id).BindText(2, user_id);
    return stmt.Run();
  });
}

Result<void> SqliteStore::SetMemberRole(const std::string& org_id, const std::string& user_id,
                                        OrgRole role) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(const OrgRole current, sqlite::RequireMemberRole(conn, org_id, user_id));
    if (current == role) return {};
    SH_TRY(sqlite::RefuseLastAdmin(conn, org_id, current));
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kUpdateMembershipRoleSql));
    stmt.BindText(1, org_id).BindText(2, user_id).BindInt(3, static_cast<int64_t>(role));
    return stmt.Run();
  });
}

Result<void> SqliteStore::SetDefaultStackPermission(const std::string& org_id, int permission) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kUpdateDefaultStackPermissionSql));
    stmt.BindText(1, org_id).BindInt(2, permission);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound("organization not found"));
    return {};
  });
}

}  // namespace statehouse::storage
