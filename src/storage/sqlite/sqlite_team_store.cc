// TeamStore: teams, team membership and team stack grants.

#include <fmt/format.h>

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_store.h"

namespace statehouse::storage {
namespace sqlite {
namespace {

constexpr char kInsertTeamSql[] =
    "INSERT INTO teams (id, org_id, name, display_name, description, created)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kSelectTeamSql[] =
    "SELECT id, org_id, name, display_name, description, created FROM teams"
    " WHERE org_id = ?1 AND name = ?2";
constexpr char kSelectTeamsSql[] =
    "SELECT id, org_id, name, display_name, description, created FROM teams"
    " WHERE org_id = ?1 ORDER BY name COLLATE NOCASE";
constexpr char kDeleteTeamSql[] = "DELETE FROM teams WHERE id = ?1";
constexpr char kUpdateTeamSql[] =
    "UPDATE teams SET display_name = COALESCE(?2, display_name),"
    " description = COALESCE(?3, description) WHERE id = ?1";

// Inserts only when the user belongs to the team's org.
constexpr char kInsertTeamMemberSql[] =
    "INSERT INTO team_members (team_id, user_id, role, created)"
    " SELECT t.id, m.user_id, ?3, ?4 FROM teams AS t"
    " JOIN memberships AS m ON m.org_id = t.org_id AND m.user_id = ?2"
    " WHERE t.id = ?1";
constexpr char kSelectTeamMembersSql[] =
    "SELECT u.id, u.login, u.name, tm.role, tm.created"
    " FROM team_members AS tm JOIN users AS u ON u.id = tm.user_id"
    " WHERE tm.team_id = ?1 ORDER BY u.login COLLATE NOCASE";
constexpr char kSelectTeamRoleSql[] =
    "SELECT role FROM team_members WHERE team_id = ?1 AND user_id = ?2";
constexpr char kDeleteTeamMemberSql[] =
    "DELETE FROM team_members WHERE team_id = ?1 AND user_id = ?2";
constexpr char kUpdateTeamMemberRoleSql[] =
    "UPDATE team_members SET role = ?3 WHERE team_id = ?1 AND user_id = ?2";

constexpr char kSelectTeamGrantsSql[] =
    "SELECT s.id, s.project, s.name, g.permission"
    " FROM team_stack_grants AS g JOIN stacks AS s ON s.id = g.stack_id"
    " JOIN teams AS t ON t.id = g.team_id AND t.org_id = s.org_id"
    " WHERE g.team_id = ?1 ORDER BY s.project COLLATE NOCASE, s.name COLLATE NOCASE";
// Upsert, only when team and stack exist in the same org.
constexpr char kUpsertTeamGrantSql[] =
    "INSERT INTO team_stack_grants (team_id, stack_id, permission)"
    " SELECT t.id, s.id, ?3 FROM teams AS t JOIN stacks AS s ON s.org_id = t.org_id"
    " WHERE t.id = ?1 AND s.id = ?2"
    " ON CONFLICT (team_id, stack_id) DO UPDATE SET permission = excluded.permission";
constexpr char kUpdateTeamGrantSql[] =
    "UPDATE team_stack_grants SET permission = ?3 WHERE team_id = ?1 AND stack_id = ?2";
constexpr char kDeleteTeamGrantSql[] =
    "DELETE FROM team_stack_grants WHERE team_id = ?1 AND stack_id = ?2";
// Grants count only while the stack is in the team's org (the transfer
// trigger removes the others; the join keeps reads correct regardless).
constexpr char kMaxTeamGrantSql[] =
    "SELECT COALESCE(MAX(g.permission), 0)"
    " FROM team_stack_grants AS g"
    " JOIN team_members AS tm ON tm.team_id = g.team_id AND tm.user_id = ?1"
    " JOIN teams AS t ON t.id = g.team_id"
    " JOIN stacks AS s ON s.id = g.stack_id AND s.org_id = t.org_id"
    " WHERE g.stack_id = ?2";

TeamRecord ReadTeam(const Statement& stmt) {
  TeamRecord team;
  team.id = stmt.ColumnText(0);
  team.org_id = stmt.ColumnText(1);
  team.name = stmt.ColumnText(2);
  team.display_name = stmt.ColumnText(3);
  team.description = stmt.ColumnText(4);
  team.created = stmt.ColumnInt(5);
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

Result<void> InsertTeamMember(Connection& conn, const std::string& team_id,
                              const std::string& user_id, TeamRole role, int64_t created) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(kInsertTeamMemberSql));
  stmt.BindText(1, team_id)
      .BindText(2, user_id)
      .BindInt(3, static_cast<int64_t>(role))
      .BindInt(4, created);
  SH_TRY(AlreadyExistsAs(stmt.Run(), "user is already a member of the team"));
  if (conn.Changes() == 0) {
    return Fail(Error::NotFound("team not found or user is not a member of its organization"));
  }
  return {};
}

// Runs a single-row write keyed by (?1, ?2[, ?3]); kNotFound when no row changed.
Result<void> ChangeOne(Connection& conn, const char* sql, const std::string& first,
                       const std::string& second, std::optional<int64_t> third,
                       std::string_view not_found) {
  SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
  stmt.BindText(1, first).BindText(2, second);
  if (third) stmt.BindInt(3, *third);
  SH_TRY(stmt.Run());
  if (conn.Changes() == 0) return Fail(Error::NotFound(std::string(not_found)));
  return {};
}

}  // namespace
}  // namespace sqlite

Result<void> SqliteStore::CreateTeam(const TeamRecord& team, const std::string& creator_user_id) {
  return Write([&](Connection& conn) -> Result<void> {
    {
      SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kInsertTeamSql));
      stmt.BindText(1, team.id)
          .BindText(2, team.org_id)
          .BindText(3, team.name)
          .BindText(4, team.display_name)
          .BindText(5, team.description)
          .BindInt(6, team.created);
      SH_TRY(sqlite::AlreadyExistsAs(stmt.Run(),
                                     fmt::format("team '{}' already exists", team.name)));
    }
    if (creator_user_id.empty()) return {};
    return sqlite::InsertTeamMember(conn, team.id, creator_user_id, TeamRole::kAdmin,
                                    team.created);
  });
}

Result<TeamRecord> SqliteStore::GetTeam(const std::string& org_id, const std::string& name) {
  return Query([&](Connection& conn) -> Result<TeamRecord> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectTeamSql));
    stmt.BindText(1, org_id).BindText(2, name);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Fail(Error::NotFound(fmt::format("team '{}' not found", name)));
    return sqlite::ReadTeam(stmt);
  });
}

Result<std::vector<TeamRecord>> SqliteStore::ListTeams(const std::string& org_id) {
  return Query([&](Connection& conn) -> Result<std::vector<TeamRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectTeamsSql));
    stmt.BindText(1, org_id);
    std::vector<TeamRecord> teams;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      teams.push_back(sqlite::ReadTeam(stmt));
    }
    return teams;
  });
}

Result<void> SqliteStore::DeleteTeam(const std::string& team_id) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kDeleteTeamSql));
    stmt.BindText(1, team_id);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound("team not found"));
    return {};
  });
}

Result<void> SqliteStore::UpdateTeam(const std::string& team_id,
                                     const std::optional<std::string>& display_name,
                                     const std::optional<std::string>& description) {
  return Write([&](Connection& conn) -> Result<void> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kUpdateTeamSql));
    stmt.BindText(1, team_id);
    if (display_name) stmt.BindText(2, *display_name);
    if (description) stmt.BindText(3, *description);
    SH_TRY(stmt.Run());
    if (conn.Changes() == 0) return Fail(Error::NotFound("team not found"));
    return {};
  });
}

Result<std::vector<TeamMemberRecord>> SqliteStore::ListTeamMembers(const std::string& team_id) {
  return Query([&](Connection& conn) -> Result<std::vector<TeamMemberRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectTeamMembersSql));
    stmt.BindText(1, team_id);
    std::vector<TeamMemberRecord> members;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      members.push_back(TeamMemberRecord{stmt.ColumnText(0), stmt.ColumnText(1),
                                         stmt.ColumnText(2), sqlite::ToTeamRole(stmt.ColumnInt(3)),
                                         stmt.ColumnInt(4)});
    }
    return members;
  });
}

Result<TeamRole> SqliteStore::GetTeamRole(const std::string& team_id, const std::string& user_id) {
  return Query([&](Connection& conn) -> Result<TeamRole> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectTeamRoleSql));
    stmt.BindText(1, team_id).BindText(2, user_id);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    return row ? sqlite::ToTeamRole(stmt.ColumnInt(0)) : TeamRole::kNone;
  });
}

Result<void> SqliteStore::AddTeamMember(const std::string& team_id, const std::string& user_id,
                                        TeamRole role, int64_t created) {
  return Write([&](Connection& conn) -> Result<void> {
    return sqlite::InsertTeamMember(conn, team_id, user_id, role, created);
  });
}

Result<void> SqliteStore::RemoveTeamMember(const std::string& team_id, const std::string& user_id) {
  return Write([&](Connection& conn) -> Result<void> {
    return sqlite::ChangeOne(conn, sqlite::kDeleteTeamMemberSql, team_id, user_id, std::nullopt,
                             "user is not a member of the team");
  });
}

Result<void> SqliteStore::SetTeamMemberRole(const std::string& team_id, const std::string& user_id,
                                            TeamRole role) {
  return Write([&](Connection& conn) -> Result<void> {
    return sqlite::ChangeOne(conn, sqlite::kUpdateTeamMemberRoleSql, team_id, user_id,
                             static_cast<int64_t>(role), "user is not a member of the team");
  });
}

Result<std::vector<TeamStackGrantRecord>> SqliteStore::ListTeamStackGrants(
    const std::string& team_id) {
  return Query([&](Connection& conn) -> Result<std::vector<TeamStackGrantRecord>> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kSelectTeamGrantsSql));
    stmt.BindText(1, team_id);
    std::vector<TeamStackGrantRecord> grants;
    for (;;) {
      SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      grants.push_back(TeamStackGrantRecord{stmt.ColumnText(0), stmt.ColumnText(1),
                                            stmt.ColumnText(2),
                                            static_cast<int>(stmt.ColumnInt(3))});
    }
    return grants;
  });
}

Result<void> SqliteStore::PutTeamStackGrant(const std::string& team_id, const std::string& stack_id,
                                            int permission, bool create_if_absent) {
  return Write([&](Connection& conn) -> Result<void> {
    if (!create_if_absent) {
      return sqlite::ChangeOne(conn, sqlite::kUpdateTeamGrantSql, team_id, stack_id, permission,
                               "the team has no permission on the stack");
    }
    return sqlite::ChangeOne(conn, sqlite::kUpsertTeamGrantSql, team_id, stack_id, permission,
                             "team or stack not found");
  });
}

Result<void> SqliteStore::RemoveTeamStackGrant(const std::string& team_id,
                                               const std::string& stack_id) {
  return Write([&](Connection& conn) -> Result<void> {
    return sqlite::ChangeOne(conn, sqlite::kDeleteTeamGrantSql, team_id, stack_id, std::nullopt,
                             "the team has no permission on the stack");
  });
}

Result<int> SqliteStore::MaxTeamStackPermission(const std::string& user_id,
                                                const std::string& stack_id) {
  return Query([&](Connection& conn) -> Result<int> {
    SH_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sqlite::kMaxTeamGrantSql));
    stmt.BindText(1, user_id).BindText(2, stack_id);
    SH_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    return row ? static_cast<int>(stmt.ColumnInt(0)) : 0;
  });
}

}  // namespace statehouse::storage
