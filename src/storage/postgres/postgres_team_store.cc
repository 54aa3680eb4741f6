// TeamStore: teams, team membership and team stack grants.
//
// Rules kept across replicas:
//   * a team member is a member of the team's org: adding one share-locks
//     the org row (FOR SHARE), which waits for and is waited on by
//     RemoveMember's org row lock (FOR NO KEY UPDATE), so a member is never
//     added to a team while being removed from its org; the team row is
//     key-share-locked too, so a concurrent DeleteTeam yields kNotFound;
//   * a grant names a stack of the team's org: creating one share-locks the
//     stack row, which serializes it with MoveStack (whose transfer trigger
//     drops the stack's grants), so a transferred stack never keeps or
//     regains a grant from its former org.

#include <fmt/format.h>

#include "storage/postgres/pg_internal.h"
#include "storage/postgres/postgres_store.h"

namespace statehouse::storage {
namespace pg {
namespace {

constexpr char kInsertTeamSql[] =
    "INSERT INTO teams (id, org_id, name, display_name, description, created)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
constexpr char kSelectTeamSql[] =
    "SELECT id, org_id, name, display_name, description, created FROM teams"
    " WHERE org_id = $1 AND sh_fold(name) = sh_fold($2)";
constexpr char kSelectTeamsSql[] =
    "SELECT id, org_id, name, display_name, description, created FROM teams"
    " WHERE org_id = $1 ORDER BY sh_fold(name), id";
constexpr char kDeleteTeamSql[] = "DELETE FROM teams WHERE id = $1";
constexpr char kUpdateTeamSql[] =
    "UPDATE teams SET display_name = COALESCE($2, display_name),"
    " description = COALESCE($3, description) WHERE id = $1";

// Locks the team (against deletion) and its org (against member removal
// and role changes, which lock it FOR NO KEY UPDATE).
constexpr char kLockTeamAndOrgSql[] =
    "SELECT 1 FROM teams AS t JOIN orgs AS o ON o.id = t.org_id WHERE t.id = $1"
    " FOR KEY SHARE OF t FOR SHARE OF o";
// Inserts only when the user belongs to the team's org.
constexpr char kInsertTeamMemberSql[] =
    "INSERT INTO team_members (team_id, user_id, role, created)"
    " SELECT t.id, m.user_id, $3::integer, $4::bigint FROM teams AS t"
    " JOIN memberships AS m ON m.org_id = t.org_id AND m.user_id = $2"
    " WHERE t.id = $1";
constexpr char kSelectTeamMembersSql[] =
    "SELECT u.id, u.login, u.name, tm.role, tm.created"
    " FROM team_members AS tm JOIN users AS u ON u.id = tm.user_id"
    " WHERE tm.team_id = $1 ORDER BY sh_fold(u.login), u.id";
constexpr char kSelectTeamRoleSql[] =
    "SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2";
constexpr char kDeleteTeamMemberSql[] =
    "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2";
constexpr char kUpdateTeamMemberRoleSql[] =
    "UPDATE team_members SET role = $3 WHERE team_id = $1 AND user_id = $2";

constexpr char kSelectTeamGrantsSql[] =
    "SELECT s.id, s.project, s.name, g.permission"
    " FROM team_stack_grants AS g JOIN stacks AS s ON s.id = g.stack_id"
    " JOIN teams AS t ON t.id = g.team_id AND t.org_id = s.org_id"
    " WHERE g.team_id = $1 ORDER BY sh_fold(s.project), sh_fold(s.name), s.id";
// Finds team and stack in the same org, locking the team against deletion
// and the stack against deletion and transfer until commit.
constexpr char kLockTeamAndStackSql[] =
    "SELECT 1 FROM teams AS t JOIN stacks AS s ON s.org_id = t.org_id"
    " WHERE t.id = $1 AND s.id = $2 FOR KEY SHARE OF t FOR SHARE OF s";
constexpr char kUpsertTeamGrantSql[] =
    "INSERT INTO team_stack_grants (team_id, stack_id, permission) VALUES ($1, $2, $3)"
    " ON CONFLICT (team_id, stack_id) DO UPDATE SET permission = excluded.permission";
constexpr char kUpdateTeamGrantSql[] =
    "UPDATE team_stack_grants SET permission = $3 WHERE team_id = $1 AND stack_id = $2";
constexpr char kDeleteTeamGrantSql[] =
    "DELETE FROM team_stack_grants WHERE team_id = $1 AND stack_id = $2";
// Grants count only while the stack is in the team's org (the transfer
// trigger removes the others; the join keeps reads correct regardless).
constexpr char kMaxTeamGrantSql[] =
    "SELECT COALESCE(MAX(g.permission), 0)"
    " FROM team_stack_grants AS g"
    " JOIN team_members AS tm ON tm.team_id = g.team_id AND tm.user_id = $1"
    " JOIN teams AS t ON t.id = g.team_id"
    " JOIN stacks AS s ON s.id = g.stack_id AND s.org_id = t.org_id"
    " WHERE g.stack_id = $2";

TeamRecord ReadTeam(const Rows& rows) {
  TeamRecord team;
  team.id = rows.Text(0);
  team.org_id = rows.Text(1);
  team.name = rows.Text(2);
  team.display_name = rows.Text(3);
  team.description = rows.Text(4);
  team.created = rows.Int(5);
  return team;
}

TeamRole ToTeamRole(int64_t value) {
  switch (value) {
    case static_cast<int64_t>(TeamRole::kMember):
      return TeamRole::kMember;
    case static_cast<int64_t>(TeamRole::kAdmin):
      return TeamRole::kAdmin;
    default:
      return TeamRole::kNone;
  }
}

// Only inside Write.
Result<void> InsertTeamMember(Connection& conn, const std::string& team_id,
                              const std::string& user_id, TeamRole role, int64_t created) {
  Error not_found = Error::NotFound("team not found or user is not a member of its organization");
  {
    SH_ASSIGN_OR_RETURN(auto locked, conn.Exec(kLockTeamAndOrgSql, Params().Text(team_id)));
    if (!locked.Next()) return Fail(std::move(not_found));
  }
  SH_ASSIGN_OR_RETURN(
      auto rows,
      conn.Exec(kInsertTeamMemberSql,
                Params().Text(team_id).Text(user_id).Int(static_cast<int64_t>(role)).Int(created)));
  if (rows.Affected() == 0) return Fail(std::move(not_found));
  return {};
}

// Runs a single-row write; kNotFound (with `not_found`) when no row changed.
Result<void> ChangeOne(Connection& conn, const char* sql, const Params& params,
                       std::string_view not_found) {
  SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(sql, params));
  if (rows.Affected() == 0) return Fail(Error::NotFound(std::string(not_found)));
  return {};
}

}  // namespace
}  // namespace pg

Result<void> PostgresStore::CreateTeam(const TeamRecord& team, const std::string& creator_user_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_TRY(pg::AlreadyExistsAs(conn.Run(pg::kInsertTeamSql, Params()
                                                                .Text(team.id)
                                                                .Text(team.org_id)
                                                                .Text(team.name)
                                                                .Text(team.display_name)
                                                                .Text(team.description)
                                                                .Int(team.created)),
                               fmt::format("team '{}' already exists", team.name)));
    if (creator_user_id.empty()) return {};
    return pg::InsertTeamMember(conn, team.id, creator_user_id, TeamRole::kAdmin, team.created);
  });
}

Result<TeamRecord> PostgresStore::GetTeam(const std::string& org_id, const std::string& name) {
  return Query([&](Connection& conn) -> Result<TeamRecord> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectTeamSql, Params().Text(org_id).Text(name)));
    if (!rows.Next()) return Fail(Error::NotFound(fmt::format("team '{}' not found", name)));
    return pg::ReadTeam(rows);
  });
}

Result<std::vector<TeamRecord>> PostgresStore::ListTeams(const std::string& org_id) {
  return Query([&](Connection& conn) -> Result<std::vector<TeamRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectTeamsSql, Params().Text(org_id)));
    std::vector<TeamRecord> teams;
    while (rows.Next()) teams.push_back(pg::ReadTeam(rows));
    return teams;
  });
}

// One statement (memberships and grants go by ON DELETE CASCADE).
Result<void> PostgresStore::DeleteTeam(const std::string& team_id) {
  return Query([&](Connection& conn) -> Result<void> {
    return pg::ChangeOne(conn, pg::kDeleteTeamSql, Params().Text(team_id), "team not found");
  });
}

Result<void> PostgresStore::UpdateTeam(const std::string& team_id,
                                       const std::optional<std::string>& display_name,
                                       const std::optional<std::string>& description) {
  return Query([&](Connection& conn) -> Result<void> {
    Params params;
    params.Text(team_id);
    if (display_name) {
      params.Text(*display_name);
    } else {
      params.Null();
    }
    if (description) {
      params.Text(*description);
    } else {
      params.Null();
    }
    return pg::ChangeOne(conn, pg::kUpdateTeamSql, params, "team not found");
  });
}

Result<std::vector<TeamMemberRecord>> PostgresStore::ListTeamMembers(const std::string& team_id) {
  return Query([&](Connection& conn) -> Result<std::vector<TeamMemberRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectTeamMembersSql, Params().Text(team_id)));
    std::vector<TeamMemberRecord> members;
    while (rows.Next()) {
      members.push_back(TeamMemberRecord{rows.Text(0), rows.Text(1), rows.Text(2),
                                         pg::ToTeamRole(rows.Int(3)), rows.Int(4)});
    }
    return members;
  });
}

Result<TeamRole> PostgresStore::GetTeamRole(const std::string& team_id,
                                            const std::string& user_id) {
  return Query([&](Connection& conn) -> Result<TeamRole> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        conn.Exec(pg::kSelectTeamRoleSql, Params().Text(team_id).Text(user_id)));
    return rows.Next() ? pg::ToTeamRole(rows.Int(0)) : TeamRole::kNone;
  });
}

Result<void> PostgresStore::AddTeamMember(const std::string& team_id, const std::string& user_id,
                                          TeamRole role, int64_t created) {
  return Write([&](Connection& conn) -> Result<void> {
    return pg::AlreadyExistsAs(pg::InsertTeamMember(conn, team_id, user_id, role, created),
                               "user is already a member of the team");
  });
}

Result<void> PostgresStore::RemoveTeamMember(const std::string& team_id,
                                             const std::string& user_id) {
  return Query([&](Connection& conn) -> Result<void> {
    return pg::ChangeOne(conn, pg::kDeleteTeamMemberSql, Params().Text(team_id).Text(user_id),
                         "user is not a member of the team");
  });
}

// Write: an invalid role fails the CHECK constraint, which must not abort a
// caller's transaction.
Result<void> PostgresStore::SetTeamMemberRole(const std::string& team_id,
                                              const std::string& user_id, TeamRole role) {
  return Write([&](Connection& conn) -> Result<void> {
    return pg::ChangeOne(conn, pg::kUpdateTeamMemberRoleSql,
                         Params().Text(team_id).Text(user_id).Int(static_cast<int64_t>(role)),
                         "user is not a member of the team");
  });
}

Result<std::vector<TeamStackGrantRecord>> PostgresStore::ListTeamStackGrants(
    const std::string& team_id) {
  return Query([&](Connection& conn) -> Result<std::vector<TeamStackGrantRecord>> {
    SH_ASSIGN_OR_RETURN(auto rows, conn.Exec(pg::kSelectTeamGrantsSql, Params().Text(team_id)));
    std::vector<TeamStackGrantRecord> grants;
    while (rows.Next()) {
      grants.push_back(TeamStackGrantRecord{rows.Text(0), rows.Text(1), rows.Text(2),
                                            static_cast<int>(rows.Int(3))});
    }
    return grants;
  });
}

Result<void> PostgresStore::PutTeamStackGrant(const std::string& team_id,
                                              const std::string& stack_id, int permission,
                                              bool create_if_absent) {
  return Write([&](Connection& conn) -> Result<void> {
    const Params params = Params().Text(team_id).Text(stack_id).Int(permission);
    if (!create_if_absent) {
      // The grant row lock serializes with the transfer trigger's delete.
      return pg::ChangeOne(conn, pg::kUpdateTeamGrantSql, params,
                           "the team has no permission on the stack");
    }
    {
      SH_ASSIGN_OR_RETURN(
          auto locked, conn.Exec(pg::kLockTeamAndStackSql, Params().Text(team_id).Text(stack_id)));
      if (!locked.Next()) return Fail(Error::NotFound("team or stack not found"));
    }
    return conn.Run(pg::kUpsertTeamGrantSql, params);
  });
}

Result<void> PostgresStore::RemoveTeamStackGrant(const std::string& team_id,
                                                 const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<void> {
    return pg::ChangeOne(conn, pg::kDeleteTeamGrantSql, Params().Text(team_id).Text(stack_id),
                         "the team has no permission on the stack");
  });
}

Result<int> PostgresStore::MaxTeamStackPermission(const std::string& user_id,
                                                  const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<int> {
    SH_ASSIGN_OR_RETURN(auto rows,
                        conn.Exec(pg::kMaxTeamGrantSql, Params().Text(user_id).Text(stack_id)));
    return rows.Next() ? static_cast<int>(rows.Int(0)) : 0;
  });
}

}  // namespace statehouse::storage
